"""OpenAPI post-processing: request bodies come from the published JSON Schemas.

An operation marked ``x-passerelle-body: NAME.vN`` gets its request body replaced by a reference
to the component built from ``schemas/NAME.vN.json``: the OpenAPI document and ``/schemas/``
share one source of truth.
"""

from __future__ import annotations

import copy

import schemas


def component_name(name: str, version: int) -> str:
    return "".join(part.capitalize() for part in name.split("-")) + f"V{version}"


def json_schema_component(name: str, version: int) -> dict:
    schema = copy.deepcopy(schemas.load(name, version))
    schema.pop("$schema", None)
    schema.pop("$id", None)
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
            components[comp] = json_schema_component(name, int(version))
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{comp}"}}
                },
            }
    return result
