"""The graph model: edits check their arguments, notify subscribers and can be undone."""
from __future__ import annotations

import pytest

from studio.core.errors import GraphError
from studio.core.graph import Edge, Graph


def test_add_node_fills_defaults_and_gives_a_fresh_id():
    g = Graph()
    a = g.add_node("testing.source")
    b = g.add_node("testing.source")
    assert a.id != b.id
    assert a.props["channels"] == 3


def test_add_node_of_unknown_type_is_refused_with_its_name():
    with pytest.raises(GraphError, match="nope.thing"):
        Graph().add_node("nope.thing")


def test_add_node_checks_property_limits():
    with pytest.raises(GraphError, match="channels.*≤ 16"):
        Graph().add_node("testing.source", {"channels": 99})


def test_add_node_refuses_unknown_property():
    with pytest.raises(GraphError, match="no property 'colour'"):
        Graph().add_node("testing.source", {"colour": "red"})


def test_add_node_refuses_an_id_that_is_not_an_identifier():
    with pytest.raises(GraphError, match="must start with a letter"):
        Graph().add_node("testing.source", node_id="1; rm -rf")


def test_connect_refuses_second_feed_into_one_input(chain):
    chain.add_node("testing.source", node_id="src2")
    with pytest.raises(GraphError, match="already fed by 'src'"):
        chain.connect("src2", "out", "win", "in")


def test_connect_refuses_a_cycle(chain):
    chain.add_node("testing.window", node_id="w2")
    chain.connect("net", "scores", "w2", "in")
    with pytest.raises(GraphError, match="cycle"):
        chain.disconnect(Edge("src", "out", "win", "in"))
        chain.connect("w2", "out", "win", "in")


def test_connect_refuses_incompatible_dtypes():
    g = Graph()
    g.add_node("testing.intsource", node_id="i")
    g.add_node("testing.window", node_id="w")
    with pytest.raises(GraphError, match="gives i16 but 'w' takes f32"):
        g.connect("i", "out", "w", "in")


def test_connect_refuses_unknown_port(chain):
    with pytest.raises(GraphError, match="no input 'nope'"):
        chain.connect("src", "out", "net", "nope")


def test_remove_node_removes_its_edges_and_restore_puts_them_back(chain):
    before = sorted(chain.edges)
    node, edges = chain.remove_node("win")
    assert all("win" not in (e.src, e.dst) for e in chain.edges)
    chain.restore_node(node, edges)
    assert sorted(chain.edges) == before


def test_set_property_returns_old_value_and_notifies(chain):
    events = []
    chain.subscribe(events.append)
    old = chain.set_property("win", "hop", 10)
    assert old == 25
    assert events[-1].kind == "property_changed" and events[-1].new == 10


def test_set_property_with_wrong_type_names_the_node():
    g = Graph()
    g.add_node("testing.window", node_id="w")
    with pytest.raises(GraphError, match="w: property 'hop' must be a whole number"):
        g.set_property("w", "hop", "ten")


def test_unsubscribe_stops_notifications(chain):
    events = []
    unsubscribe = chain.subscribe(events.append)
    unsubscribe()
    chain.set_property("win", "hop", 5)
    assert events == []


def test_topological_order_follows_the_data(chain):
    order, cyclic = chain.topological_order()
    assert order == ["src", "win", "net", "out"] and cyclic == []
