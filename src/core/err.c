#include "synrl/core.h"

#include <stdarg.h>
#include <stdio.h>

syn_status syn_err_set(syn_err *e, syn_status code, const char *fmt, ...) {
  if (e) {
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

const char *syn_status_name(syn_status s) {
  switch (s) {
    case SYN_OK: return "ok";
    case SYN_ERR_ARG: return "invalid argument";
    case SYN_ERR_IO: return "I/O error";
    case SYN_ERR_FORMAT: return "bad file format";
    case SYN_ERR_NOMEM: return "out of memory";
    case SYN_ERR_UNSUPPORTED: return "unsupported";
    case SYN_ERR_ABORTED: return "aborted";
  }
  return "unknown";
}
