"""target-orderhub, the Singer target of orderhub."""

from orderhub.target.target import TargetOrderhub

__all__ = ["TargetOrderhub"]
