#ifndef CXMLSEC_SHIM_H
#define CXMLSEC_SHIM_H
// libxml2 and xmlsec1 (OpenSSL engine) from Debian: libxml2-dev, libxmlsec1-dev.
//
// SwiftPM passes only the -I flags of pkg-config to the Swift compiler, so the ABI-relevant defines of Debian's
// `pkg-config --cflags xmlsec1-openssl` are repeated here: without XMLSEC_NO_SIZE_T the structs (xmlSecDSigCtx) would
// be laid out differently from the library's and every field write would land elsewhere.
#ifndef XMLSEC_NO_SIZE_T
#define XMLSEC_NO_SIZE_T 1
#endif
#ifndef XMLSEC_CRYPTO_OPENSSL
#define XMLSEC_CRYPTO_OPENSSL 1
#endif
#ifndef XMLSEC_OPENSSL3_ENGINES
#define XMLSEC_OPENSSL3_ENGINES 1
#endif
#ifndef XMLSEC_NO_GOST
#define XMLSEC_NO_GOST 1
#endif
#ifndef XMLSEC_NO_GOST2012
#define XMLSEC_NO_GOST2012 1
#endif
#ifndef XMLSEC_NO_CRYPTO_DYNAMIC_LOADING
#define XMLSEC_NO_CRYPTO_DYNAMIC_LOADING 1
#endif

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlmemory.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/errors.h>
#include <xmlsec/openssl/app.h>
#include <xmlsec/openssl/crypto.h>

// xmlSecCheckVersion() is a macro: the library and the headers this module was built with must agree.
static inline int cxmlsec_check_version(void) { return xmlSecCheckVersion(); }

// xmlFree is a global function pointer (mutable C state to Swift): call it through this.
static inline void cxmlsec_free(void *pointer) { xmlFree(pointer); }
// zlib (zlib1g-dev, which libxml2-dev depends on): the GZip of the DPS and of the NFS-e SEFIN Nacional exchanges.
#include <zlib.h>

#endif
