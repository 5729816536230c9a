/* The release every program reports (`vhost-ctl show version`). */
#ifndef VSW_VERSION_H
#define VSW_VERSION_H

#define VSW_VERSION "0.1.0"

#endif
