{
  "targets": [
    {
      "target_name": "peng_xgboost",
      "sources": ["xgb_binding.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_c": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lxgboost"]
    }
  ]
}
