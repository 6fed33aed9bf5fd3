// A second, MQTT 3.1.1-only broker for tests: aedes on 127.0.0.1:PORT.
const aedes = require('aedes')();
const server = require('net').createServer(aedes.handle);
server.listen(Number(process.argv[2] || 1883), '127.0.0.1', () => console.log('aedes listening'));
