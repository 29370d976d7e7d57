"""The live view's server side: a project's new ``records`` rows from the Redis live tail, filtered by the
user's WHERE clause in Logfire's dialect, as Server-Sent Events.

:mod:`.where` compiles the filter, :mod:`.tail` reads the stream, :mod:`.events` frames the SSE output,
:mod:`.stream` ties them together. The backend relays ``/ui-api/.../live`` here with an internal grant.
"""
