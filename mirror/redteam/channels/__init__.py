"""The attacks, one module per channel; importing this package registers them all.

They run in registration order: the order of the imports below.
"""

# ruff: noqa: F401
# isort: off
from mirror.redteam.channels import through_oracle
from mirror.redteam.channels import compromised
from mirror.redteam.channels import agent_box
from mirror.redteam.channels import scoring_box
from mirror.redteam.channels import protocol
# isort: on
