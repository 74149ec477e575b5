"""A grpc.health.v1 client on Python's grpcio (gRPC C-core), for test/health-reflection/grpcio.test.ts.

Usage: python3 grpcio_health.py HOST:PORT. Prints one JSON object per line: the results of Check (the
whole server, an unknown service), List, then every status a Watch of "greet.GreetService" receives,
then how the Watch ended. Messages are encoded by hand (grpcio-health-checking is not in Debian): the
health messages have one field each, so the bytes are easy to read and write exactly.
"""
import json
import sys

import grpc


def encode_request(service):
    data = service.encode("utf-8")
    return (b"\x0a" + bytes([len(data)]) + data) if data else b""


def decode_status(data):
    # HealthCheckResponse: field 1 (varint) status; absent means 0 (UNKNOWN).
    if not data:
        return 0
    assert data[0] == 0x08, data
    return data[1]


def emit(**fields):
    print(json.dumps(fields), flush=True)


def main():
    channel = grpc.insecure_channel(sys.argv[1])
    identity = lambda b: b
    check = channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=identity, response_deserializer=identity)
    list_ = channel.unary_unary("/grpc.health.v1.Health/List", request_serializer=identity, response_deserializer=identity)
    watch = channel.unary_stream("/grpc.health.v1.Health/Watch", request_serializer=identity, response_deserializer=identity)

    emit(check="", status=decode_status(check(encode_request(""), timeout=5)))
    try:
        check(encode_request("nope.Service"), timeout=5)
        emit(check="nope.Service", code="OK")
    except grpc.RpcError as error:
        emit(check="nope.Service", code=error.code().name, message=error.details())
    emit(list_hex=list_(b"", timeout=5).hex())

    stream = watch(encode_request("greet.GreetService"), timeout=30)
    try:
        for response in stream:
            emit(watch=decode_status(response))
        emit(end="OK")
    except grpc.RpcError as error:
        emit(end=error.code().name, message=error.details())
    channel.close()


main()
