#pragma once
// avdream: DeepDream for pictures, video and sound. This header pulls in the whole engine.
//
// Basic usage (a still picture):
//
//   avdream::configure_runtime(0);                       // all cores
//   auto model = avdream::Model::load(avdream::resolve_model("imagenet_mobilenet_v2"));
//   avdream::DreamTargets targets;                        // empty: the model's default layers
//   auto objective = avdream::make_objective(model, targets);
//   auto picture = avdream::load_picture("photo.jpg");
//   picture.rgb = avdream::dream(model, objective, picture.rgb, avdream::default_dream_params());
//   avdream::save_picture(picture, "dream.png");
//
// or all of that in one call: avdream::dream_still("photo.jpg", "dream.png", avdream::StillJob{}).
//
// The pieces, in data-flow order:
//   model.hpp      a TorchScript network on the model contract; finding and loading model files
//   labels.hpp     class names -> indices
//   objective.hpp  what is maximized: activation, class and guide terms
//   style.hpp      style transfer terms: Gram-matrix style, content, smoothness
//   dream.hpp      the optimizer: octaves, jitter, tiled gradients, detail re-injection
//   tensor_image.hpp  the engine's picture tensors: resize
//   dream_filter.hpp  dream filters: a small network that gives one dream in one forward pass
//   image.hpp      picture files <-> tensors, atomic writes (partial_file.hpp)
//   targets.hpp    what to dream of (layers, classes, guides, style) -> the objective
//   pipeline.hpp   the pipeline shape: Stage (process, flush, reset) and Pipeline (threads joined
//                  by bounded queues, the first error wins, nothing hangs). Read this first: every
//                  job below is stages wired by it.
//   still.hpp      the still-picture job; PictureDreamer, its stage
//   filter_training.hpp  training a dream filter for a dream setting
//   paths.hpp      file-name helpers (the extension that picks a format)
//   media.hpp      video in and out (FFmpeg): VideoReader, VideoWriter
//   flow.hpp       optical flow, warping, occlusion, the flicker measure E_warp
//   warp_error.hpp E_warp of two whole files (for tests and benchmarks)
//   video.hpp      the video stages: FramePreparer (flow) -> VideoDreamer (warm starts along the
//                  flow, scene cuts) -> Compositor (the detail on the full-size frame)
//   video_job.hpp  the video job: decode | dream | encode threads; a farm chunk's span
//   frame_stream.hpp  the same stages one frame per call, for hosts that hand frames over one
//                  by one (the frei0r plugin for ffmpeg and the editors, frei0r/)
//   spectral.hpp   STFT/iSTFT (KissFFT), mel filterbank, Griffin-Lim: the signal side of audio
//   audio_io.hpp   sound in and out (FFmpeg, libsndfile), resampling
//   audio.hpp      dreaming sound through a log-mel CNN; SoundBlockDreamer, the stage that
//                  streams any length in blocks
//   sound_job.hpp  the sound job (--spectro, and a video's soundtrack)
//   spectrogram_picture.hpp  the before/after spectrogram picture
//   farm.hpp       the render farm: plan, chunk, assemble, status; Slurm scripts
//   runtime.hpp    device and threads
//   version.hpp    avdream's version and the libraries it runs with
//   error.hpp      the exceptions (Error, UsageError, ParameterError naming the setting, Cancelled)
#include <avdream/dream.hpp>
#include <avdream/dream_filter.hpp>
#include <avdream/error.hpp>
#include <avdream/image.hpp>
#include <avdream/labels.hpp>
#include <avdream/model.hpp>
#include <avdream/objective.hpp>
#include <avdream/style.hpp>
#include <avdream/pipeline.hpp>
#include <avdream/runtime.hpp>
#include <avdream/version.hpp>
#include <avdream/targets.hpp>
#include <avdream/still.hpp>
#include <avdream/filter_training.hpp>
#include <avdream/paths.hpp>
#include <avdream/flow.hpp>
#include <avdream/warp_error.hpp>
#include <avdream/media.hpp>
#include <avdream/video.hpp>
#include <avdream/video_job.hpp>
#include <avdream/frame_stream.hpp>
#include <avdream/spectral.hpp>
#include <avdream/audio_io.hpp>
#include <avdream/audio.hpp>
#include <avdream/sound_job.hpp>
#include <avdream/spectrogram_picture.hpp>
#include <avdream/farm.hpp>
