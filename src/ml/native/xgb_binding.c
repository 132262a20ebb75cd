/*
 * peng_xgboost: the few calls of libxgboost's C API (c_api.h) that `peng-ts
 * train` needs, so models are trained by XGBoost itself, not a re-implementation:
 *   train(x, nrow, ncol, y, params, rounds, path, names)  XGDMatrixCreateFromMat,
 *       XGDMatrixSetStrFeatureInfo("feature_name"),
 *       XGDMatrixSetFloatInfo("label"), XGBoosterCreate, XGBoosterSetParam per
 *       pair, XGBoosterUpdateOneIter per round, XGBoosterSaveModel (a path
 *       ending in .json gives XGBoost's JSON model format).
 *   predict(path, x, nrow, ncol, margin)  XGBoosterLoadModel + XGBoosterPredict
 *       (option_mask 1 = raw margin): the reference the TypeScript evaluator is
 *       tested against.
 *   version()  XGBoostVersion.
 * x is a row-major Float32Array (nrow * ncol), y a Float32Array of nrow labels;
 * params a flat array of strings [name, value, name, value...]. Calls are
 * synchronous: training is a command-line step, never on the packet path.
 * Errors throw an Error carrying XGBGetLastError()'s text.
 */
#include <node_api.h>
#include <xgboost/c_api.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAPI_OK(env, call)                                   \
  do {                                                       \
    if ((call) != napi_ok) {                                 \
      napi_throw_error((env), NULL, "peng_xgboost: " #call); \
      return NULL;                                           \
    }                                                        \
  } while (0)

static napi_value throw_xgb(napi_env env, const char *what) {
  char msg[1024];
  snprintf(msg, sizeof msg, "xgboost %s: %s", what, XGBGetLastError());
  napi_throw_error(env, "XGBOOST", msg);
  return NULL;
}

static int get_f32(napi_env env, napi_value v, float **data, size_t *len) {
  napi_typedarray_type t;
  size_t n;
  void *p;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &t, &n, &p, &ab, &off) != napi_ok || t != napi_float32_array) return -1;
  *data = (float *)p;
  *len = n;
  return 0;
}

static int get_string(napi_env env, napi_value v, char *buf, size_t cap) {
  size_t n;
  if (napi_get_value_string_utf8(env, v, buf, cap, &n) != napi_ok) return -1;
  return n + 1 < cap ? 0 : -1;
}

static int get_u32(napi_env env, napi_value v, uint32_t *out) {
  return napi_get_value_uint32(env, v, out) == napi_ok ? 0 : -1;
}

/* A DMatrix from a row-major float matrix; NaN is missing (XGBoost's default). */
static int make_matrix(napi_env env, napi_value xv, uint32_t nrow, uint32_t ncol, DMatrixHandle *out) {
  float *x;
  size_t len;
  if (get_f32(env, xv, &x, &len) != 0 || (size_t)nrow * ncol != len) {
    napi_throw_type_error(env, NULL, "peng_xgboost: x must be a Float32Array of nrow * ncol values");
    return -1;
  }
  if (XGDMatrixCreateFromMat(x, nrow, ncol, NAN, out) != 0) {
    throw_xgb(env, "XGDMatrixCreateFromMat");
    return -1;
  }
  return 0;
}

/* Feature names (a JS string array of ncol names, or undefined): saved with the model. */
typedef struct {
  char buf[64][64];
  const char *ptrs[64];
  uint32_t n;
} names_t;

static int get_names(napi_env env, napi_value names, uint32_t ncol, names_t *out) {
  napi_valuetype t;
  out->n = 0;
  if (napi_typeof(env, names, &t) != napi_ok || t == napi_undefined) return 0;
  uint32_t n;
  if (napi_get_array_length(env, names, &n) != napi_ok || n != ncol || n > 64) {
    napi_throw_type_error(env, NULL, "peng_xgboost: feature names must be an array of ncol (<= 64) strings");
    return -1;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    if (napi_get_element(env, names, i, &v) != napi_ok || get_string(env, v, out->buf[i], sizeof out->buf[i])) {
      napi_throw_type_error(env, NULL, "peng_xgboost: feature names must be strings shorter than 64 bytes");
      return -1;
    }
    out->ptrs[i] = out->buf[i];
  }
  out->n = n;
  return 0;
}

static napi_value train(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t nrow, ncol, rounds, nparams;
  float *y;
  size_t ylen;
  char path[4096];
  if (argc < 7 || get_u32(env, argv[1], &nrow) || get_u32(env, argv[2], &ncol) || get_f32(env, argv[3], &y, &ylen) ||
      get_u32(env, argv[5], &rounds) || get_string(env, argv[6], path, sizeof path) || ylen != nrow) {
    napi_throw_type_error(env, NULL, "peng_xgboost: train(x, nrow, ncol, y, params, rounds, path)");
    return NULL;
  }
  NAPI_OK(env, napi_get_array_length(env, argv[4], &nparams));
  DMatrixHandle m;
  if (make_matrix(env, argv[0], nrow, ncol, &m) != 0) return NULL;
  static names_t names;
  if (get_names(env, argc >= 8 ? argv[7] : NULL, ncol, &names) != 0) {
    XGDMatrixFree(m);
    return NULL;
  }
  BoosterHandle b = NULL;
  const char *failed = NULL;
  if (XGDMatrixSetFloatInfo(m, "label", y, nrow) != 0) failed = "XGDMatrixSetFloatInfo";
  else if (names.n > 0 && XGDMatrixSetStrFeatureInfo(m, "feature_name", names.ptrs, names.n) != 0) failed = "XGDMatrixSetStrFeatureInfo";
  else if (XGBoosterCreate(&m, 1, &b) != 0) failed = "XGBoosterCreate";
  /* The booster keeps its own copy of the names (what Python's Booster.feature_names sets): saved in the JSON. */
  else if (names.n > 0 && XGBoosterSetStrFeatureInfo(b, "feature_name", names.ptrs, names.n) != 0) failed = "XGBoosterSetStrFeatureInfo";
  for (uint32_t i = 0; !failed && i + 1 < nparams; i += 2) {
    napi_value k, v;
    char name[256], value[256];
    if (napi_get_element(env, argv[4], i, &k) != napi_ok || napi_get_element(env, argv[4], i + 1, &v) != napi_ok ||
        get_string(env, k, name, sizeof name) || get_string(env, v, value, sizeof value)) {
      XGBoosterFree(b);
      XGDMatrixFree(m);
      napi_throw_type_error(env, NULL, "peng_xgboost: params must be strings [name, value, ...]");
      return NULL;
    }
    if (XGBoosterSetParam(b, name, value) != 0) failed = "XGBoosterSetParam";
  }
  for (uint32_t it = 0; !failed && it < rounds; it++) {
    if (XGBoosterUpdateOneIter(b, (int)it, m) != 0) failed = "XGBoosterUpdateOneIter";
  }
  if (!failed && XGBoosterSaveModel(b, path) != 0) failed = "XGBoosterSaveModel";
  napi_value r = failed ? throw_xgb(env, failed) : NULL;
  if (b) XGBoosterFree(b);
  XGDMatrixFree(m);
  if (failed) return r;
  napi_get_undefined(env, &r);
  return r;
}

static napi_value predict(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  NAPI_OK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char path[4096];
  uint32_t nrow, ncol;
  bool margin = false;
  if (argc < 5 || get_string(env, argv[0], path, sizeof path) || get_u32(env, argv[2], &nrow) ||
      get_u32(env, argv[3], &ncol) || napi_get_value_bool(env, argv[4], &margin) != napi_ok) {
    napi_throw_type_error(env, NULL, "peng_xgboost: predict(path, x, nrow, ncol, margin)");
    return NULL;
  }
  DMatrixHandle m;
  if (make_matrix(env, argv[1], nrow, ncol, &m) != 0) return NULL;
  BoosterHandle b = NULL;
  const char *failed = NULL;
  bst_ulong n = 0;
  const float *out = NULL;
  if (XGBoosterCreate(&m, 1, &b) != 0) failed = "XGBoosterCreate";
  else if (XGBoosterLoadModel(b, path) != 0) failed = "XGBoosterLoadModel";
  else if (XGBoosterPredict(b, m, margin ? 1 : 0, 0, 0, &n, &out) != 0) failed = "XGBoosterPredict";
  napi_value r = NULL;
  if (failed) r = throw_xgb(env, failed);
  else {
    /* `out` belongs to the booster: copy before freeing it. */
    void *data;
    napi_value ab;
    if (napi_create_arraybuffer(env, n * sizeof(float), &data, &ab) == napi_ok) {
      memcpy(data, out, n * sizeof(float));
      napi_create_typedarray(env, napi_float32_array, n, ab, 0, &r);
    }
  }
  if (b) XGBoosterFree(b);
  XGDMatrixFree(m);
  return r;
}

static napi_value version(napi_env env, napi_callback_info info) {
  int major, minor, patch;
  XGBoostVersion(&major, &minor, &patch);
  char buf[64];
  snprintf(buf, sizeof buf, "%d.%d.%d", major, minor, patch);
  napi_value r;
  NAPI_OK(env, napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &r));
  return r;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"train", NULL, train, NULL, NULL, NULL, napi_default, NULL},
      {"predict", NULL, predict, NULL, NULL, NULL, napi_default, NULL},
      {"version", NULL, version, NULL, NULL, NULL, napi_default, NULL},
  };
  NAPI_OK(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
