#pragma once
// The farm's Slurm side: batch scripts written at plan time, submitted with sbatch.
#include <avdream/farm.hpp>

#include <string>

namespace avdream {

// DIR/chunks.sbatch (an array, one task per chunk) and DIR/assemble.sbatch. `dir` is absolute.
void write_slurm_scripts(const std::string& dir, const FarmManifest& manifest);

}  // namespace avdream
