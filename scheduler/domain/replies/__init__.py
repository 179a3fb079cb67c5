"""What leads send back: reading a raw message, telling replies from bounces and automatic
replies, cutting a reply down to the lead's own words, the status per action in those words,
and the personal data that holds an update out of packs."""
