"""The plan: priorities, leads, actions and milestones, read from the published document or
from its YAML, with the Timescale reader that turns "31 May 11" into a deadline, and the
people file that gives each lead an address."""
