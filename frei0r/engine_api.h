/* The frei0r plugin's interface to its engine (engine.cpp, avdream-frei0r-engine.so).
 *
 * The plugin (plugin.cpp) links nothing heavy, so that an editor that opens every frei0r plugin
 * at start (MLT: Kdenlive, Shotcut) does not load LibTorch for it; it loads the engine with
 * dlopen when a frame first needs a dream, and talks to it through these C functions only (no
 * C++ object crosses, no exception either: each call reports failure through `error`). */
#ifndef AVDREAM_FREI0R_ENGINE_API_H
#define AVDREAM_FREI0R_ENGINE_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AVDREAM_FX_API_VERSION 1

typedef struct avdream_fx avdream_fx;

/* The plugin's parameters, as the host set them (strings never NULL). */
typedef struct {
  const char* filter;   /* dream filter name or file; "" = the optimizer */
  const char* model;    /* model name or file; "" = the default image model */
  const char* layers;   /* --layers syntax; "" = the model's default layers */
  const char* classes;  /* comma-separated labels or indices; "" = none */
  const char* device;   /* "cpu", "cuda", "cuda:N"; "" = cpu */
  double strength;      /* 0 to 1: the dream's detail scaled by 2 x strength (0.5 = the CLI's dream) */
  double steps;         /* steps per octave of a full dream; 0 = the video default */
  double octaves;       /* 0 = the video default */
  double size;          /* working size, longest side in pixels; 0 = the default (a filter: its own) */
  double seed;          /* a whole number */
  int flow;             /* warm starts and hold along the optical flow */
  int original_colors;  /* keep the frame's colours under the dream's luma */
} avdream_fx_settings;

typedef int (*avdream_fx_api_version_fn)(void);
typedef avdream_fx* (*avdream_fx_create_fn)(const avdream_fx_settings* settings, char* error, size_t error_size);
/* `in` and `out`: width x height RGBA8888 pixels, rows without padding. Returns 1, or 0 with
 * `error` set (then `out` is untouched). */
typedef int (*avdream_fx_update_fn)(avdream_fx* fx, double time, unsigned width, unsigned height,
                                    const uint32_t* in, uint32_t* out, char* error, size_t error_size);
typedef void (*avdream_fx_destroy_fn)(avdream_fx* fx);

#ifdef __cplusplus
}
#endif

#endif
