"""OTLP spans → Arrow column buffers in C: the accelerated path of ``hearth_ingest.otlp``.

Use it through ``hearth_ingest.otlp.native``, which assembles the Arrow table and sends every span this
module reports as complex (and every request it declines) through the Python conversion.
"""

from hearth_otlp_native._spans import configure, convert_spans, count_spans

__all__ = ["configure", "convert_spans", "count_spans"]
