"""The query string parser (reference_impl/middlewares/query.py) against Node's qs.

Every expected object below is what qs 6.15.3 (the version Strapi 5.54.0 installs) answers with the
options Strapi's ``strapi::query`` passes (``strictNullHandling: true, arrayLimit: 100, depth: 20``),
serialised by ``JSON.stringify``: key order included, since Strapi walks objects in that order.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from reference_impl.middlewares.query import make_parser

# (query string, qs' answer)
NODE_QS: list[tuple[str, Any]] = [
    ("filters[title][$eq]=a&sort=views:desc", {"filters": {"title": {"$eq": "a"}}, "sort": "views:desc"}),
    # A list and an object meeting inside a list become one object, whichever comes first.
    ("a[0][]=x&a[0][k]=y", {"a": [{"0": "x", "k": "y"}]}),
    ("a[0][k]=y&a[0][]=x", {"a": [{"0": "x", "k": "y"}]}),
    ("filters[rating][$notIn][0][]=&filters[rating][$notIn][0][zz][0]=1",
     {"filters": {"rating": {"$notIn": [{"0": "", "zz": ["1"]}]}}}),
    ("a[0][0]=x&a[0][k]=y", {"a": [{"0": "x", "k": "y"}]}),
    ("a[]=1&a[k]=2", {"a": {"0": "1", "k": "2"}}),
    ("a[k]=2&a[]=1", {"a": {"0": "1", "k": "2"}}),
    # A value meeting an object: both, in order (strictMerge).
    ("a=1&a[k]=2", {"a": ["1", {"k": "2"}]}),
    ("a[k]=2&a=1", {"a": [{"k": "2"}, "1"]}),
    ("a[0]=x&a[0][k]=y", {"a": ["x", {"k": "y"}]}),
    ("a[k]=x&a[k][0]=y", {"a": {"k": ["x", "y"]}}),
    # An empty or null value merged into a list changes nothing.
    ("a[0]=&a=", {"a": [""]}),
    ("a[]=x&a", {"a": ["x"]}),
    # Indices place values; holes are dropped at the end.
    ("a[2]=x&a[0]=y", {"a": ["y", "x"]}),
    ("a[1]=x&a[1]=y", {"a": [["x", "y"]]}),
    ("a[0][0]=x&a[0][0]=y", {"a": [[["x", "y"]]]}),
    # Parameters are taken in JavaScript's key order: an integer-like key first.
    ("1[j]=z&0=y&1=", {"0": "y", "1": ["", {"j": "z"}]}),
    ("b=1&0=x", {"0": "x", "b": "1"}),
    # arrayLimit 100: index 99 is a list position, 100 and beyond an overflow object that later values extend.
    ("a[99]=x", {"a": ["x"]}),
    ("a[100]=x", {"a": {"100": "x"}}),
    ("a[150]=x&a=y", {"a": {"150": "x", "151": "y"}}),
    ("a[150]=x&a[]=y", {"a": {"0": "y", "150": "x"}}),
    ("a[0][150][]=x", {"a": [{"150": ["x"]}]}),
    ("&".join(f"a[]={i}" for i in range(101)) + "&a[]=last", {"a": {**{str(i): str(i) for i in range(101)}, "101": "last"}}),
    ("&".join(f"a[{i}]=v" for i in range(100)) + "&a[]=w", {"a": {**{str(i): "v" for i in range(100)}, "100": "w"}}),
    ("a[]=1&a[]=2&a[]=3", {"a": ["1", "2", "3"]}),
    # A key that starts with a bracket.
    ("[0]=x&[k]=y", {"0": "x", "k": "y"}),
    ("[]=x", {"0": "x"}),
    # A root or bracket group named after a prototype property drops the parameter; an unterminated
    # group is one literal segment, not looked at.
    ("a[__proto__][x]=1&a[b]=2", {"a": {"b": "2"}}),
    ("a[toString]=1&b=2", {"b": "2"}),
    ("toString=1&valueOf=2&c=3", {"c": "3"}),
    ("a[b][[toString]=1", {"a": {"b": {"[[toString]": "1"}}}),
    # Encoded brackets are brackets; bad escapes stay as sent.
    ("%5Ba%5D=x&a%5Bb%5D=y", {"a": ["x", {"b": "y"}]}),
    ("a[b%5D=x", {"a": {"b": "x"}}),
    ("a[x]=%ZZ&b=%C3%28&c=+%20", {"a": {"x": "%ZZ"}, "b": "%C3%28", "c": "  "}),
    ("filters[$or][0][title]=a&filters[$or][1][views][$gt]=3",
     {"filters": {"$or": [{"title": "a"}, {"views": {"$gt": "3"}}]}}),
    ("populate[author][fields][0]=name&populate=*", {"populate": [{"author": {"fields": ["name"]}}, "*"]}),
]


@pytest.mark.parametrize(("querystring", "expected"), NODE_QS, ids=[q[:60] for q, _ in NODE_QS])
def test_the_parser_answers_as_nodes_qs(querystring: str, expected: Any) -> None:
    parsed = make_parser({})(querystring)
    # json.dumps keeps the key order, which == on dicts would not compare.
    assert json.dumps(parsed) == json.dumps(expected)
