"""From sealed WAL segments to Parquet in object storage and rows in the catalog.

``coordinator.SegmentPipeline`` (in the ingest process) hands segments to ``job.run_segment`` in
worker processes and releases each segment once its files are stored and catalogued.
"""

from hearth_ingest.pipeline.coordinator import SegmentPipeline

__all__ = ["SegmentPipeline"]
