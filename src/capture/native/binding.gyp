{
  "targets": [
    {
      "target_name": "peng_pcap",
      "sources": ["pcap_binding.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_c": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lpcap"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": { "OTHER_CFLAGS": ["-std=gnu11", "-O2"] }
        }]
      ]
    }
  ]
}
