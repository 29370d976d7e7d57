"""Hearth cache service (port 9001): byte ranges of Parquet objects from local disk, filled from object
storage on a miss.

URL layout::

    GET  /objects/<key>     the object; with ``Range: bytes=a-b | a- | -n`` a 206 of that range
    HEAD /objects/<key>     Content-Length, Last-Modified, ETag, Accept-Ranges
    GET  /stats             counters (hits, misses, bytes, evictions, forwarding) as JSON
    GET  /health, /ready    as every service

``<key>`` is the object key below the storage root (``records/project=…/day=…/<id>.parquet``),
percent-encoded or not. Two kinds of object_store client read it unchanged:

- ``HttpStore`` (``datafusion.object_store.Http("https://cache:9001")``; URLs
  ``https://cache:9001/objects/<key>``). The Python binding cannot set ``allow_http``, so this store
  needs the cache behind TLS;
- ``AmazonS3`` in path style with ``endpoint="http://cache:9001"``, ``bucket_name="objects"``,
  ``allow_http=True`` and any credentials (requests are ``/objects/<key>``; signatures are ignored).
  This is how a reader inside the cluster points DataFusion at the cache over plain HTTP.

Modules: ``ranges`` (Range header), ``disk`` (chunk files, LRU, budget, scan at start), ``reader``
(metadata and ranges through the cache, single-flight fills), ``peers`` (consistent-hash owner,
forwarding, fallback), ``api/`` (routes), ``app`` (lifespan).

Who reads through the cache: query_api only. Compaction and maintenance read object storage directly,
so their bulk scans never evict what queries use; any other bulk reader sends ``X-Hearth-No-Cache: 1``.
"""
