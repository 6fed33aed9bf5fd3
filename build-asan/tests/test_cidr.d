build-asan/tests/test_cidr: tests/unit/test_cidr.c tests/lib/check.h \
 agent/cidr.h agent/model.h
tests/lib/check.h:
agent/cidr.h:
agent/model.h:
