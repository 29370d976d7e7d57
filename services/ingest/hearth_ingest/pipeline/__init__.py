"""From sealed WAL segments to Parquet in object storage and rows in the catalog.

``coordinator.SegmentPipeline`` (in the ingest process) has each segment converted by
``worker.convert_in_worker`` in a worker process (``segment``: CPU only), stores the result itself
(``store``: I/O only) and releases the segment once its files are stored and catalogued.
"""

from hearth_ingest.pipeline.coordinator import SegmentPipeline

__all__ = ["SegmentPipeline"]
