"""The steps of a build, one module each: ``sources`` (what a snapshot is built from), ``plan``, ``read``,
``merge`` and ``manifest``; :func:`spacecraft_data.build.assemble` runs them in that order.

Details: docs/architecture.md#snapshots-on-disk
"""
