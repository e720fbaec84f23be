"""The absolute-IRI check agrees with the store's own IRI parser, so that a value it accepts
never fails later in a worker or the writer, and what it refuses is named in the error."""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from ogpkg.errors import InputError
from ogpkg.iri import MAX_IRI_CHARS, check_iri, is_absolute_iri


def store_accepts(value: str) -> bool:
    try:
        ox.NamedNode(value)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("value", [
    "https://w3id.org/ogp-kg/graph/seed", "urn:x", "mailto:a@b", "x:", "HTTP://X",
    "http://[::1]/", "http://[v1.x]/", "http://1.2.3.4:80/a?b#c", "http://x/é", "a:\u200b",
    "http://x/?\ue000", "http://x/%41", "a+b.c-d:e",
])
def test_absolute_iris_are_accepted(value: str) -> None:
    assert is_absolute_iri(value) and store_accepts(value)


@pytest.mark.parametrize("value", [
    "", "passwd", "../../etc/passwd", ":", "a b", "a\nb", "http://[::1", "a:%zz",
    "http://ex.org/a#b#c", "http://x/\ufffd", "http://x/\ue000", "http://x/{}", "1a:b",
    "<http://x/>", "http://x/\x00", "http://x/\x7f", "javascript:alert(1) ",
])
def test_what_is_not_an_absolute_iri_is_refused(value: str) -> None:
    assert not is_absolute_iri(value) and not store_accepts(value)


def test_agrees_with_the_store_on_random_strings() -> None:
    alphabet = "a:/?#[]@!$&'()*+,;=%0Ff-._~ <>\"{}|\\^`é\ue000\ufffd\x7f\x00\u202e"
    rng = random.Random(12)
    for _ in range(50_000):
        value = rng.choice(["h", "http:", "http://", "a:"]) + "".join(
            rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
        assert is_absolute_iri(value) == store_accepts(value), repr(value)


def test_the_error_names_the_parameter_and_the_value() -> None:
    with pytest.raises(InputError) as caught:
        check_iri("../../etc/passwd", "graph")
    assert str(caught.value) == "'graph' is not an absolute IRI: '../../etc/passwd'"
    assert caught.value.detail == {"parameter": "graph", "value": "../../etc/passwd"}
    assert caught.value.status == 400


def test_overlong_iris_are_refused_and_shortened_in_the_message() -> None:
    with pytest.raises(InputError, match=f"longer than {MAX_IRI_CHARS}") as caught:
        check_iri("http://x/" + "a" * MAX_IRI_CHARS, "default-graph-uri")
    assert len(str(caught.value)) < 300
