"""The tables behind LL2's spacecraft, configuration and status endpoints, as far as their filters, search
and ordering see them.

Only the columns a query can touch are real columns; the record itself is kept as
the JSON the API emitted (``raw``) and served back by the serializer, with its
links rebuilt from the request.
"""

from __future__ import annotations

from django.db import models
from django.db.models.lookups import IContains


class PostgresIContains(IContains):
    """``icontains`` as Django's PostgreSQL backend writes it: ``UPPER(col) LIKE UPPER('%term%')``.

    ``PG_UPPER`` is :func:`oracle.core.pg_upper`, registered on each SQLite connection.
    Only ``PostgresSearchFilter`` uses this lookup; the stock ``icontains`` is untouched.
    """

    lookup_name = "pg_icontains"

    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        return f"PG_UPPER({lhs_sql}) LIKE PG_UPPER({rhs_sql}) ESCAPE '\\'", (*lhs_params, *rhs_params)


models.CharField.register_lookup(PostgresIContains)


class SpacecraftStatus(models.Model):
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=255)


class Agency(models.Model):
    # The agencies the configurations name: the universe of the configurations' ``agency`` filter.
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    abbrev = models.CharField(max_length=255)


class SpacecraftConfiguration(models.Model):
    # The model's name is part of the 404 body: "No SpacecraftConfiguration matches the given query."
    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True)
    human_rated = models.BooleanField(null=True)
    in_use = models.BooleanField(null=True)
    raw = models.TextField(default="{}")  # the stored (detailed) record


class Spacecraft(models.Model):
    # The model's name is part of LL2's 404 body: "No Spacecraft matches the given query."
    id = models.AutoField(primary_key=True)
    name = models.CharField(max_length=255)
    in_space = models.BooleanField()
    is_placeholder = models.BooleanField()
    status = models.ForeignKey(SpacecraftStatus, on_delete=models.PROTECT)
    spacecraft_config = models.ForeignKey(SpacecraftConfiguration, on_delete=models.PROTECT)
    flights_count = models.IntegerField(null=True)
    mission_ends_count = models.IntegerField(null=True)
    time_in_space = models.DurationField(null=True)
    time_docked = models.DurationField(null=True)
    raw = models.TextField()
