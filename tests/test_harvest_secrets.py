"""A harvest never saves or prints a secret: not a password in --base-url, not the API key, not a cookie.

Secrets are planted on every path one could take: a password, a key in a query and a key in a fragment of
``--base-url``; the API key in ``$SPACECRAFT_DATA_API_KEY``; a stand-in LL2 on 127.0.0.1 (tests/fakeapi.py)
that sets cookies, echoes the key in a header of its own, sends credentials headers back and quotes the key in
an error body. Then every byte of every file in the store, the raw folder and the changelog, and the command's
stdout and stderr, are searched for each planted secret. The secrets are SYNTHETIC strings made here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import SEED_FILES
from fakeapi import FakeLL2, Fault
from test_harvest import REQUESTS, Run, assert_equals_bundled
from test_harvest_hostile import cli, free_port, harvest_args

from spacecraft_data.harvest import HarvestError, HarvestOptions, harvest, import_pages
from spacecraft_data.harvest.options import HarvestUsageError
from spacecraft_data.pages import read_page

PASSWORD = "pw-SYNTHETIC-secret-5150"
KEY = "key-SYNTHETIC-secret-8086"
COOKIE = "cookie-SYNTHETIC-secret-6502"
#: response headers a hostile or careless server sends back: each holds a secret, none may be saved
PLANTED_HEADERS = [
    ("Set-Cookie", f"sessionid={COOKIE}; Path=/; HttpOnly"),
    ("Set-Cookie", f"csrftoken={COOKIE}-2; Path=/"),
    ("X-Echo-Key", KEY),  # a header of the server's own naming, holding the key
    ("Authorization", f"Token {KEY}"),
    ("Proxy-Authorization", f"Basic {PASSWORD}"),
    ("Cookie", f"sessionid={COOKIE}"),
    ("X-Harmless", "kept"),  # proves headers are saved at all
]
SECRETS = (PASSWORD, KEY, COOKIE)


@pytest.fixture
def run(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Run:
    return Run(tmp_path, caplog)


def found(root: Path, secret: str) -> list[str]:
    """Every file under ``root`` whose bytes hold ``secret`` (file names included), as relative paths."""
    hits = []
    for path in sorted(root.rglob("*")):
        if secret in path.name or (path.is_file() and secret.encode() in path.read_bytes()):
            hits.append(str(path.relative_to(root)))
    return hits


def test_planted_secrets_are_in_no_file_of_the_store_raw_folder_or_changelog_nor_in_the_output(
    run: Run, tmp_path: Path
) -> None:
    env = dict(os.environ, SPACECRAFT_DATA_API_KEY=KEY)
    with FakeLL2(faults=[Fault("headers", headers=PLANTED_HEADERS, times=None)]) as api:
        # --progress: the progress lines must not show a secret either
        done, _ = cli([*harvest_args(run, api.base_url)[:-1], "--progress"], cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert {s.headers.get("Authorization") for s in api.seen} == {f"Token {KEY}"}  # the key was used
    # Not vacuous: a snapshot and its pages were written, with the server's other headers.
    [run_dir] = run.raw.iterdir()
    assert len(list(run_dir.glob("*.txt"))) == REQUESTS
    page = read_page(next(run_dir.glob("spacecraft_*offset000000.txt")))
    assert ("X-Harmless", "kept") in page.header_list
    assert not {"Set-Cookie", "X-Echo-Key", "Authorization", "Proxy-Authorization", "Cookie"} & {
        name for name, _ in page.header_list
    }
    assert run.changelog.is_file()
    for secret in SECRETS:
        assert found(tmp_path, secret) == [], secret
        assert secret not in done.stdout + done.stderr, secret


@pytest.mark.parametrize(
    "form, why",
    [
        ("http://user:{pw}@127.0.0.1:{port}", "a user name or password in the URL"),
        ("http://{pw}@127.0.0.1:{port}/", "a user name or password in the URL"),
        ("http://127.0.0.1:{port}/?api_key={key}", "a query (?...) is refused"),
        ("http://127.0.0.1:{port}?{key}", "a query (?...) is refused"),
        ("http://127.0.0.1:{port}/#{key}", "a fragment (#...) is refused"),
        ("user:{pw}@127.0.0.1:{port}", "not an http:// or https:// URL"),
    ],
    ids=["user-password", "user-only", "query", "bare-query", "fragment", "no-scheme"],
)
def test_base_url_holding_a_secret_is_refused_up_front_without_echoing_it(
    run: Run, tmp_path: Path, form: str, why: str
) -> None:
    with FakeLL2() as api:
        port = api.base_url.rsplit(":", 1)[1]
        done, _ = cli(harvest_args(run, form.format(pw=PASSWORD, key=KEY, port=port)), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith(
        "spacecraft-data harvest: error: --base-url "
    )
    assert why in done.stderr
    assert PASSWORD not in done.stderr and KEY not in done.stderr and done.stdout == ""
    assert api.seen == []  # nothing was asked of the server
    assert not run.raw.exists() and not run.changelog.exists()
    run.assert_nothing_published()


def test_the_library_refuses_a_base_url_with_a_secret_before_writing_anything(run: Run) -> None:
    with pytest.raises(HarvestUsageError) as err:
        harvest(
            HarvestOptions(
                base_url=f"http://user:{PASSWORD}@127.0.0.1:{free_port()}",
                output=run.output,
                raw_dir=run.raw,
                changelog=run.changelog,
            )
        )
    assert err.value.exit_code == 2 and PASSWORD not in str(err.value)
    assert not run.raw.exists()
    with pytest.raises(HarvestUsageError, match="a query"):
        import_pages(
            list(SEED_FILES[:1]),
            output=run.output,
            raw_dir=run.raw,
            changelog=None,
            base_url=f"https://ll.thespacedevs.com/?api_key={KEY}",
        )
    assert not run.raw.exists()
    run.assert_nothing_published()


def test_an_error_body_quoting_the_key_is_reported_with_the_key_masked(run: Run) -> None:
    body = {"detail": f"Invalid token {KEY}."}  # as a server might echo a key it refuses
    with FakeLL2(faults=[Fault("status", status=401, body=body, times=None)]) as api:
        with pytest.raises(HarvestError) as err:
            harvest(run.options(api, api_key=KEY))
    message = str(err.value)
    assert "HTTP 401" in message and "Invalid token <API key>." in message
    assert KEY not in message
    assert err.value.exit_code == 1  # the server answered: a finding, not the network
    assert found(run.output.parent, KEY) == []


def test_a_harvest_with_a_key_still_publishes_the_served_records(run: Run) -> None:
    # Dropping headers that hold the key must not drop anything else of a normal answer.
    with FakeLL2() as api:
        result = harvest(run.options(api, api_key=KEY))
    assert_equals_bundled(result.snapshot)
    page = read_page(result.run_dir / "spacecraft_normal_pass1_offset000000.txt")
    assert {"Content-Type", "Allow", "Vary"} <= {name for name, _ in page.header_list}
