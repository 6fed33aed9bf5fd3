build/agent/topic.o: agent/topic.c agent/payload.h agent/model.h \
 agent/topic.h
agent/payload.h:
agent/model.h:
agent/topic.h:
