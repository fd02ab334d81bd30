"""The data steward's Data Docs: GX's site made to render offline, with PII masked."""

from quality.report.assets import OfflineAssetError
from quality.report.offline import make_offline

__all__ = ["OfflineAssetError", "make_offline"]
