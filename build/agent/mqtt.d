build/agent/mqtt.o: agent/mqtt.c agent/config.h agent/log.h agent/model.h \
 agent/mqtt.h
agent/config.h:
agent/log.h:
agent/model.h:
agent/mqtt.h:
