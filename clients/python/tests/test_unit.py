"""The pure parts, without a daemon: socket discovery, error mapping, request
lines and reply decoding."""

from __future__ import annotations

import json

import pytest

import trackcache
from trackcache import _decode, _paths, _wire, commands
from trackcache.errors import error_for


def test_socket_path_follows_the_cli_rule() -> None:
    assert _paths.socket_path_from({"TRACKCACHE_SOCKET": "/x/y.sock"}, 7) == "/x/y.sock"
    assert (
        _paths.socket_path_from({"XDG_RUNTIME_DIR": "/run/user/7"}, 7)
        == "/run/user/7/trackcache/trackcached.sock"
    )
    # Empty or relative values are ignored, as by the daemon and the CLI.
    assert _paths.socket_path_from({"TRACKCACHE_SOCKET": "", "XDG_RUNTIME_DIR": "rel"}, 7) == (
        "/tmp/trackcache-7/trackcached.sock"
    )
    assert _paths.socket_path_from({}, 1000) == "/tmp/trackcache-1000/trackcached.sock"


def test_client_uses_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKCACHE_SOCKET", "/tmp/elsewhere.sock")
    assert trackcache.Client().socket == "/tmp/elsewhere.sock"
    assert trackcache.AsyncClient().socket == "/tmp/elsewhere.sock"


def test_errors_map_codes_to_classes() -> None:
    e = error_for("not_found", "no such thing")
    assert isinstance(e, trackcache.NotFound) and isinstance(e, trackcache.ServerError)
    assert (e.code, e.code_number, e.message) == ("not_found", 2, "no such thing")
    assert str(e) == "not_found: no such thing"
    timeout = error_for("timeout", "lease wait ran out")
    assert isinstance(timeout, trackcache.WaitTimeout)
    assert isinstance(timeout, trackcache.TimeoutError)  # catchable as a timeout too
    unknown = error_for("brand_new", "from a newer daemon")
    assert type(unknown) is trackcache.ServerError and unknown.code == "brand_new"
    assert error_for(999, "x").code_number == 999
    assert isinstance(trackcache.DaemonNotRunning("/s", "no"), ConnectionError)


def test_request_line_is_one_json_line() -> None:
    cmd = commands.kv_set("ns", "k", "é", ttl_ms=0, tags=["artist:x"])
    line = _wire.request_line(5, cmd, 1000)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line) == {
        "id": 5,
        "request": {
            "kv_set": {"namespace": "ns", "key": "k", "value": "é", "ttl_ms": 0, "tags": ["artist:x"]}
        },
    }


AWKWARD = ['plain', 'quote " and \\ backslash', "new\nline\ttab\x00nul", "ünïcödé ☃ 𝄞", "", "\u2028"]


@pytest.mark.parametrize("text", AWKWARD)
def test_hand_written_requests_match_the_generic_encoding(text: str) -> None:
    """The hot requests' JSON is written by hand; it must say exactly what the
    general encoder would (the same check as the Rust codec's hot-path drift test)."""
    cases = [
        (commands.kv_get(text, text), {"namespace": text, "key": text}),
        (commands.kv_set(text, text, text), {"namespace": text, "key": text, "value": text}),
        (commands.kv_set("n", text, text.encode(), ttl_ms=1500), {"namespace": "n", "key": text, "value": text, "ttl_ms": 1500}),
        (commands.get_album_year(text, text), {"artist": text, "album": text}),
        (commands.get_album_year(text, "x", 90), {"artist": text, "album": "x", "min_confidence": 90}),
    ]
    for cmd, args in cases:
        assert cmd.text is not None
        line = _wire.request_line(9, cmd, 1 << 20)
        assert line.count(b"\n") == 1  # one line, whatever the strings hold
        assert json.loads(line) == {"id": 9, "request": {cmd.name: args}}
        assert cmd.args == args
    # Forms without a hand-written text go through the general encoder.
    assert commands.kv_set("n", "k", "v", tags=["artist:a"]).text is None
    assert commands.kv_set("n", "k", b"\xff").text is None


def test_binary_values_travel_as_base64() -> None:
    assert commands.kv_set("n", "k", b"\xff\x00").args["value_base64"] == "/wA="
    assert commands.kv_set("n", "k", b"text").args["value"] == "text"
    assert "value" not in commands.kv_set("n", "k", negative=True).args


def test_an_over_long_request_is_refused_before_sending() -> None:
    cmd = commands.kv_set("ns", "k", "x" * 100)
    with pytest.raises(trackcache.TooLarge, match="reads lines of at most 50"):
        _wire.request_line(1, cmd, 50)


def test_bad_times_are_refused() -> None:
    with pytest.raises(ValueError, match="ttl_ms"):
        commands.kv_set("n", "k", "v", ttl_ms=-1)
    with pytest.raises(ValueError, match="at_ms"):
        commands.set_last_run("x", 1.5)  # type: ignore[arg-type]


def test_decoding_kv_answers() -> None:
    hit = _decode.kv_value({"status": "hit", "value": "v", "expires_in_ms": 5})
    assert hit == trackcache.KvValue("hit", b"v", 5) and hit.hit
    assert _decode.kv_value({"status": "hit", "value_base64": "/wA=", "expires_in_ms": None}).value == b"\xff\x00"
    assert _decode.kv_value({"status": "negative", "expires_in_ms": None}).negative
    assert _decode.kv_value({"status": "miss"}).miss
    with pytest.raises(trackcache.ProtocolError):
        _decode.kv_value({"value": "no status"})


def test_decoding_batches_keeps_errors_in_place() -> None:
    reply = {
        "items": [
            {"status": "miss"},
            {"status": "error", "code": "bad_request", "message": "blank"},
        ],
        "end": {"count": 2, "more": False, "next": None},
    }
    out = commands.get_album_years([("a", "b"), (" ", "c")]).decode(reply)
    assert out[0] is None
    assert isinstance(out[1], trackcache.BadRequest) and out[1].message == "blank"


def test_decoding_events() -> None:
    ev = _decode.event(
        {
            "seq": 3,
            "type": "track_modified",
            "track_id": "A",
            "track": {"id": "A", "artist": "X", "media": {"compilation": True}, "new_field": 1},
            "changes": [{"field": "year", "old": "1", "new": "2"}],
        }
    )
    assert isinstance(ev, trackcache.TrackModified)
    assert ev.seq == 3 and ev.track is not None and ev.track.media.compilation
    assert ev.changes[0].new == "2"
    future = _decode.event({"seq": 4, "type": "from_the_future", "x": 1})
    assert type(future) is trackcache.Event and future.raw["x"] == 1


def test_changes_page_flags_a_fresh_instance() -> None:
    page = _decode.changes_page(
        {"items": [{"seq": 9, "type": "fresh_instance"}], "end": {"count": 1, "more": False, "next": 9, "current_seq": 9}}
    )
    assert page.fresh_instance and page.events == [] and page.next_since == 9


def test_fatal_and_error_messages() -> None:
    fatal = _wire.fatal_error({"fatal": {"code": "too_many_connections", "message": "cap"}})
    assert isinstance(fatal, trackcache.TooManyConnections) and fatal.fatal
    id, body, err = _wire.reply({"id": 3, "error": {"code": "unavailable", "message": "no library"}})
    assert id == 3 and body is None and isinstance(err, trackcache.Unavailable)
    with pytest.raises(trackcache.VersionMismatch):
        _wire.welcome({"fatal": {"code": "version_mismatch", "message": "1 vs 2"}})


def test_pipeline_refuses_unknown_calls() -> None:
    p = trackcache.Client("/nonexistent").pipeline()
    p.kv_get("a", "b").ping()
    assert len(p) == 2
    for not_a_call in ("no_such_call", "Optional", "Command", "now_ms", "_ms"):
        with pytest.raises(AttributeError):
            getattr(p, not_a_call)
