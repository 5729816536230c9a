/* CNI's error codes (SPEC.md, "Error"): the well-known ones the spec
 * reserves (1-99) and ours (100 and up). */
#ifndef VSW_CNI_ERROR_H
#define VSW_CNI_ERROR_H

enum cni_code {
        CNI_ERR_VERSION = 1,    /* incompatible CNI version */
        CNI_ERR_FIELD = 2,      /* unsupported field in the network config */
        CNI_ERR_UNKNOWN = 3,    /* container unknown or does not exist */
        CNI_ERR_ENV = 4,        /* invalid necessary environment variables */
        CNI_ERR_IO = 5,         /* I/O failure */
        CNI_ERR_DECODE = 6,     /* failed to decode content */
        CNI_ERR_CONFIG = 7,     /* invalid network config */
        CNI_ERR_TRY_AGAIN = 11, /* try again later: vhostd unreachable */
        CNI_ERR_VHOSTD = 100,   /* vhostd refused a request */
        CNI_ERR_IPAM = 101,     /* the IPAM plugin failed without a CNI error */
        CNI_ERR_CHECK = 102,    /* CHECK found the attachment not as ADD left it */
};

#endif
