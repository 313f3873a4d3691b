"""OpenAPI post-processing: request bodies come from the published JSON Schemas.

An operation marked ``x-passerelle-body: NAME.vN`` gets its request body replaced by a reference
to the component built from ``schemas/NAME.vN.json``: the OpenAPI document and ``/schemas/``
share one source of truth.
"""

from __future__ import annotations

import copy
import re

import schemas


def component_name(name: str, version: int) -> str:
    return "".join(part.capitalize() for part in name.split("-")) + f"V{version}"


_FILE_REF = re.compile(r"^(?P<name>[a-z][a-z0-9-]*)\.v(?P<version>[0-9]+)\.json$")


def _rewrite_refs(node, needed: set):
    """Turn references between schema files into references between OpenAPI components."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        match = _FILE_REF.match(ref) if isinstance(ref, str) else None
        if match:
            needed.add((match["name"], int(match["version"])))
            node["$ref"] = "#/components/schemas/" + component_name(
                match["name"], int(match["version"])
            )
        for value in node.values():
            _rewrite_refs(value, needed)
    elif isinstance(node, list):
        for value in node:
            _rewrite_refs(value, needed)


def json_schema_component(name: str, version: int, needed: set | None = None) -> dict:
    schema = copy.deepcopy(schemas.load(name, version))
    schema.pop("$schema", None)
    schema.pop("$id", None)
    _rewrite_refs(schema, needed if needed is not None else set())
    return schema


def embed_json_schemas(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            ref = operation.pop("x-passerelle-body", None)
            if not ref:
                continue
            name, _, version = ref.rpartition(".v")
            comp = component_name(name, int(version))
            needed: set = set()
            components[comp] = json_schema_component(name, int(version), needed)
            while needed:
                dep = needed.pop()
                dep_name = component_name(*dep)
                if dep_name not in components:
                    components[dep_name] = json_schema_component(*dep, needed)
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{comp}"}}
                },
            }
    return result


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

_ERRORS_BY_METHOD = {
    "get": ("400", "401", "403", "404", "406", "410", "422", "429", "503"),
    "delete": ("400", "401", "403", "404", "406", "409", "412", "429", "503"),
    "post": (
        *("400", "401", "403", "404", "406", "409", "410", "412", "413", "415", "422", "429"),
        "503",
    ),
    "put": ("400", "401", "403", "404", "406", "409", "412", "413", "415", "422", "429", "503"),
    "patch": ("400", "401", "403", "404", "406", "409", "412", "413", "415", "422", "429", "503"),
}


def document_problems(result, generator, request, public):
    """Every operation may answer the problem details its method can produce."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _ERRORS_BY_METHOD or not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            for code in _ERRORS_BY_METHOD[method]:
                responses.setdefault(code, {"description": "Problem details", "content": problem})
    return result
