#!/usr/bin/python3
"""A minimal CRI client for carve's tests: calls one CRI (runtime.v1)
method on a container runtime's socket, as the kubelet does.

    cri.py --socket PATH METHOD [REQUEST-JSON]

METHOD is a method of RuntimeService or ImageService (RunPodSandbox,
CreateContainer, ExecSync, ...), REQUEST-JSON its request in protobuf's
JSON mapping (field names as in the .proto: pod_sandbox_id, ...).  The
response is printed as one line of JSON with every field, defaults
included; ExecSync's stdout and stderr are printed as text.  A failed call
prints the gRPC status and message on stderr and exits 1.

Debian 12 has no crictl: this speaks the part of the CRI in cri-v1.proto
beside it, compiled at run time with grpc_tools (python3-grpc-tools) into
a cache directory ($CRI_PY_CACHE, else a temporary one).
"""

import argparse
import importlib
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO = "cri-v1.proto"


def load_modules():
    cache = os.environ.get("CRI_PY_CACHE") or tempfile.mkdtemp(prefix="cri-py.")
    os.makedirs(cache, exist_ok=True)
    pb2 = os.path.join(cache, "cri_v1_pb2.py")
    if not os.path.exists(pb2) or os.path.getmtime(pb2) < os.path.getmtime(os.path.join(HERE, PROTO)):
        from grpc_tools import protoc

        rc = protoc.main(["protoc", "-I" + HERE, "--python_out=" + cache, "--grpc_python_out=" + cache, PROTO])
        if rc != 0:
            sys.exit("cri.py: protoc failed on %s" % PROTO)
    sys.path.insert(0, cache)
    return importlib.import_module("cri_v1_pb2"), importlib.import_module("cri_v1_pb2_grpc")


def main():
    parser = argparse.ArgumentParser(description="call one CRI runtime.v1 method")
    parser.add_argument("--socket", required=True, help="the runtime's CRI socket")
    parser.add_argument("--timeout", type=float, default=120, help="seconds for the call")
    parser.add_argument("method")
    parser.add_argument("request", nargs="?", default="{}")
    args = parser.parse_args()

    import grpc
    from google.protobuf import json_format

    pb, pb_grpc = load_modules()
    services = {
        "RuntimeService": pb_grpc.RuntimeServiceStub,
        "ImageService": pb_grpc.ImageServiceStub,
    }
    for name, stub_class in services.items():
        service = pb.DESCRIPTOR.services_by_name[name]
        if args.method in service.methods_by_name:
            method = service.methods_by_name[args.method]
            break
    else:
        sys.exit("cri.py: no CRI method `%s` in %s" % (args.method, PROTO))

    request_class = getattr(pb, method.input_type.name)
    try:
        request = json_format.Parse(args.request, request_class())
    except json_format.ParseError as e:
        sys.exit("cri.py: request for %s: %s" % (args.method, e))

    with grpc.insecure_channel("unix://" + os.path.abspath(args.socket)) as channel:
        stub = stub_class(channel)
        try:
            response = getattr(stub, args.method)(request, timeout=args.timeout)
        except grpc.RpcError as e:
            print("cri.py: %s: %s: %s" % (args.method, e.code().name, e.details()), file=sys.stderr)
            return 1

    out = json_format.MessageToDict(response, preserving_proto_field_name=True, including_default_value_fields=True)
    if method.output_type.name == "ExecSyncResponse":
        out["stdout"] = response.stdout.decode("utf-8", "replace")
        out["stderr"] = response.stderr.decode("utf-8", "replace")
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
