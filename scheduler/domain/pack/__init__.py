"""The agenda pack as plain values: its settings (pack.yaml), its sections (agenda, progress
against each priority, milestones due and missed, replies, statistics) and the charts."""
