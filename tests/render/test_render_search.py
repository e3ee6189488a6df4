"""Search: Scope's syntax, our label/type filters, pinned queries, and errors that say where."""

import pytest
from render_world import APACHE, BASH, CLIENT_CONTAINER, CURL, SERVER_CONTAINER, world

from scopecore.render import QueryError, filter_summaries, render, search
from scopecore.render.search import LabelTerm, MetricTerm, TextTerm, TypeTerm, parse, slugify

pytestmark = pytest.mark.unit


def hits(view: str, *queries: str, options: dict[str, str] | None = None) -> set[str]:
    r = render(world(), view, options or {"unconnected": "show", "pseudo": "show"})
    return set(filter_summaries(r.summaries(), queries, r.nodes))


def test_parse_shapes() -> None:
    assert isinstance(parse("nc").terms[0], TextTerm)
    t = parse(" pid : 215").terms[0]
    assert isinstance(t, TextTerm) and t.prefix is not None and t.prefix.pattern == "pid"
    assert parse("cpu > 80%").terms[0] == MetricTerm("cpu", ">", 80.0)
    assert parse("memory > 1G").terms[0] == MetricTerm("memory", ">", 1024.0**3)
    assert parse("Memory < 512 MB").terms[0] == MetricTerm("memory", "<", 512 * 1024.0**2)
    assert parse("open files = 3").terms[0] == MetricTerm("openfiles", "=", 3.0)
    assert parse("label:app=web").terms[0] == LabelTerm("app", "web")
    assert parse("type:containers").terms[0] == TypeTerm("containers")
    assert isinstance(parse("a:b:c").terms[0], TextTerm)  # two colons: Scope searches the whole text
    assert isinstance(parse("[unclosed").terms[0], TextTerm)  # matched literally, as Scope does


@pytest.mark.parametrize(("query", "position", "message"), [
    ("", 0, "empty"),
    ("   ", 0, "empty"),
    (":x", 0, "field name"),
    ("pid:", 4, "search term"),
    ("cpu > lots", 6, "number"),
    ("  cpu >", 7, "number"),
    ("> 5", 0, "metric name"),
    ("a < b > c", 6, "one comparison"),
    ("type:gizmo", 5, "unknown type"),
    ("label:=x", 6, "label name"),
])
def test_errors_say_where(query: str, position: int, message: str) -> None:
    with pytest.raises(QueryError) as e:
        parse(query)
    assert e.value.position == position
    assert message in e.value.message
    assert isinstance(e.value, ValueError)


def test_text_search_over_labels_metadata_and_parents() -> None:
    assert hits("processes", "apache") == {APACHE}
    assert hits("processes", "APA") == {APACHE}
    assert hits("processes", "client\\.example") >= {CURL, BASH}
    assert hits("processes", "command: curl http") == {CURL}  # metadata, by field label
    assert hits("processes", "pid: 10002") == {BASH}
    assert hits("processes", "hosts: server") >= {APACHE}  # parents, by topology
    assert hits("containers", "docker labels: x") == set()
    assert hits("containers", "app: web") == {SERVER_CONTAINER}  # property lists, by row label


def test_metric_search() -> None:
    assert hits("processes", "cpu > 0.2") == {CURL}
    assert hits("processes", "cpu < 0.2") == set()
    assert hits("processes", "cpu = 0.25") == {CURL}


def test_label_and_type_filters() -> None:
    assert hits("containers", "label:app=client") == {CLIENT_CONTAINER}
    assert hits("containers", "type:pseudo") == {n for n in hits("containers", "Internet|Uncontained")}
    assert hits("processes-by-name", "type:process") == {"curl", "bash", "apache", "sleep"}


def test_pinned_queries_are_anded() -> None:
    assert hits("processes", "example", "apache") == {APACHE}
    q = search.parse("example") & search.parse("curl")
    r = render(world(), "processes")
    assert {k for k, s in r.summaries().items() if q.matches(s)} == {CURL}


def test_slugify() -> None:
    assert slugify("Restart #") == "restart"
    assert slugify("Open files") == "openfiles"
