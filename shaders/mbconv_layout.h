// Shared-memory and parameter layout of the fused MBConv block (mbconv.comp),
// named once for GLSL and C++ (model/vk_mbconv.cpp sizes tiles with it).
// Plain preprocessor on unsigned integers, valid in both languages.
//
// Geometry of a workgroup: an output tile of TH x TW pixels of one image reads
// an input tile of IN_DIM(TH) x IN_DIM(TW) pixels (the 3x3 halo at stride s).
// COOPMAT pads row counts to 16 (one cooperative-matrix row block).
#ifndef EFFNET_SHADERS_MBCONV_LAYOUT_H
#define EFFNET_SHADERS_MBCONV_LAYOUT_H

#define EFFNET_MBCONV_IN_DIM(t, s) (((t) - 1u) * (s) + 3u)
#define EFFNET_ROUND16(x) (((x) + 15u) / 16u * 16u)

// COOPMAT: fp16 rows in shared memory, in 16-byte (uvec4) units, rounded up to
// an odd count so consecutive rows start in different bank groups.
#define EFFNET_MBCONV_ROW16(ch) (((ch) / 8u) | 1u)
// COOPMAT shared memory, uvec4 units: input tile X [PIN_PAD][CIN], expanded
// chunk H [PIN_PAD][HC], depthwise chunk D [MP_PAD][HC], the chunk's expand
// weight WE [HC][CIN], its bias replicated over 16 rows BE [16][HC] (fp32) and
// the chunk's depthwise weight DWS [9][HC] and bias DBS [HC] (fp32, tap-major:
// 8 consecutive channels of a tap are two vec4); after the last chunk the fp16
// output stage [MP_PAD][COUT] aliases them.
#define EFFNET_MBCONV_CM_MAIN_VEC4(pin_pad, mp_pad, cin, hc)                                          \
  ((pin_pad) * EFFNET_MBCONV_ROW16(cin) + (pin_pad) * EFFNET_MBCONV_ROW16(hc) +                     \
   (mp_pad) * EFFNET_MBCONV_ROW16(hc) + (hc) * EFFNET_MBCONV_ROW16(cin) + 4u * (hc) + (10u * (hc)) / 4u)
// EXPAND_DW (expand and depthwise only): the same without D and the output stage.
#define EFFNET_MBCONV_CM_ED_VEC4(pin_pad, cin, hc)                                                    \
  ((pin_pad) * EFFNET_MBCONV_ROW16(cin) + (pin_pad) * EFFNET_MBCONV_ROW16(hc) +                     \
   (hc) * EFFNET_MBCONV_ROW16(cin) + 4u * (hc) + (10u * (hc)) / 4u)
#define EFFNET_MBCONV_CM_OUT_VEC4(mp_pad, cout) ((mp_pad) * EFFNET_MBCONV_ROW16(cout))
// SCALAR shared memory, floats: H [PIN][HC], D [MP][HC] and the project sums
// [MP][COUT] (the input is read from device memory). Nothing but loop
// counters lives in registers across a barrier: CPU drivers (lavapipe) turn
// barriers into coroutines whose frames grow with what is live across them.
#define EFFNET_MBCONV_SC_FLOATS(pin, mp, hc, cout) ((pin) * (hc) + (mp) * (hc) + (mp) * (cout))

// The fp32 vectors of a block in one buffer (EFFNET_BIND_BIAS), in floats:
// expand bias replicated over 16 rows [16][HIDDEN] (the COOPMAT accumulators
// start from it), depthwise weight tap-major [9][HIDDEN] (8 consecutive
// channels of a tap are two vec4), depthwise bias [HIDDEN] (read as tap 9),
// project bias replicated [16][COUT]. HIDDEN is a multiple of 16, so every
// part starts 64-byte aligned.
#define EFFNET_MBCONV_BE_OFF(hidden) 0u
#define EFFNET_MBCONV_DW_OFF(hidden) (16u * (hidden))
#define EFFNET_MBCONV_DB_OFF(hidden) (25u * (hidden))
#define EFFNET_MBCONV_BP_OFF(hidden) (26u * (hidden))
#define EFFNET_MBCONV_VEC_FLOATS(hidden, cout) (26u * (hidden) + 16u * (cout))

// Profiling variant (mbconv.comp -DPROFILE): words per workgroup record:
// SM id, start and end on the device clock (ns, lo/hi words each), total SM
// cycles, then the cycles of each phase (subgroup 0's view), in this order:
// 0 staging (input tile, first weights, first barrier), 1 expand, 2 barrier
// after the expand, 3 depthwise, 4 staging the next expand weights, 5 barrier
// after the depthwise, 6 staging the next depthwise weights, 7 project,
// 8 epilogue (output stage and store).
#define EFFNET_MBCONV_PROF_PHASES 9u
#define EFFNET_MBCONV_PROF_WORDS 16u

#endif  // EFFNET_SHADERS_MBCONV_LAYOUT_H
