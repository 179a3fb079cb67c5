"""When emails go: working days, the reminder policy, the meeting calendar, the rules that say
what is due at a moment, the notifications they return, and the dry run of a whole year."""
