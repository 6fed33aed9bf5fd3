build-asan/tests/test_payload: tests/unit/test_payload.c \
 tests/lib/check.h agent/cidr.h agent/model.h agent/payload.h
tests/lib/check.h:
agent/cidr.h:
agent/model.h:
agent/payload.h:
