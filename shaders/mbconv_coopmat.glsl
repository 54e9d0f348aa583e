// COOPMAT steps of mbconv.comp (GL_KHR_cooperative_matrix, 16x16x16, fp16
// operands, fp32 accumulators). Shared memory S (uvec4 units,
// mbconv_layout.h): X [PIN_PAD][XS] input tile, H [PIN_PAD][HS] expanded
// chunk, D [MP_PAD][HS] depthwise chunk (fp16), the chunk's expand weight WE
// [HC][XS] (fp16) and bias rows BE [16][HC] (fp32), staged by stage_weights
// one chunk ahead; after the last chunk the fp16 output stage [MP_PAD][OS]
// aliases them.
// Expand: subgroup s takes row blocks mi = s, s + SUBGROUPS, ... of H, all HC / 16
// column blocks of each, A from X, B from WE (column-major: we[c][k] is
// element (k, c)). The accumulators start from the replicated bias; ReLU6 is
// applied element-wise (position-free), then they are converted to fp16 and
// stored into H.
// Project: the MP_PAD x COUT output is PMF x PNF blocks; subgroup s owns the
// PFR consecutive blocks from s * PFR (row blocks fastest), kept in registers
// over every chunk; B (the project weight, from device memory) is loaded once
// per column block per chunk.
#define CM_A coopmat<float16_t, gl_ScopeSubgroup, 16, 16, gl_MatrixUseA>
#define CM_B coopmat<float16_t, gl_ScopeSubgroup, 16, 16, gl_MatrixUseB>
#define CM_C coopmat<float, gl_ScopeSubgroup, 16, 16, gl_MatrixUseAccumulator>
#define CM_H coopmat<float16_t, gl_ScopeSubgroup, 16, 16, gl_MatrixUseAccumulator>

const uint XS = EFFNET_MBCONV_ROW16(CIN);
const uint HS = EFFNET_MBCONV_ROW16(HC);
const uint OS = EFFNET_MBCONV_ROW16(COUT);
const uint H_OFF = PIN_PAD * XS;
const uint D_OFF = H_OFF + PIN_PAD * HS;
#ifdef EXPAND_DW
// No D tile: the depthwise step stores to device memory; no output stage.
const uint WE_OFF = D_OFF;
const uint D_ROWS = MP;  // the output-tile pixels the depthwise step stores
#else
const uint WE_OFF = D_OFF + MP_PAD * HS;
const uint D_ROWS = MP_PAD;  // rows of D the depthwise step writes
#endif
const uint BE_OFF_S = WE_OFF + HC * XS;  // BE: [16][HC] fp32 = 16 rows of HC / 4 uvec4
#ifdef EXPAND_DW
shared uvec4 S[EFFNET_MBCONV_CM_ED_VEC4(PIN_PAD, CIN, HC)];
#else
const uint MAIN_VEC4 = EFFNET_MBCONV_CM_MAIN_VEC4(PIN_PAD, MP_PAD, CIN, HC);
const uint OUT_VEC4 = EFFNET_MBCONV_CM_OUT_VEC4(MP_PAD, COUT);
shared uvec4 S[MAIN_VEC4 > OUT_VEC4 ? MAIN_VEC4 : OUT_VEC4];
#endif
const uint EMF = PIN_PAD / 16, ENF = HC / 16;
const uint PMF = MP_PAD / 16, PNF = COUT / 16, PFRAGS = PMF * PNF;
const uint PFR = (PFRAGS + SUBGROUPS - 1) / SUBGROUPS;
CM_C eacc[ENF];
CM_C pacc[PFR];

const uint DWS_OFF = BE_OFF_S + 4 * HC;  // DWS [9][HC] fp32, then DBS [HC] fp32 (uvec4 units)

void h_load8(uint row, uint g, out vec4 lo, out vec4 hi) {
  const uvec4 u = S[H_OFF + row * HS + g];
  lo = vec4(unpackHalf2x16(u.x), unpackHalf2x16(u.y));
  hi = vec4(unpackHalf2x16(u.z), unpackHalf2x16(u.w));
}
void d_store8(uint row, uint g, vec4 lo, vec4 hi) {
  S[D_OFF + row * HS + g] = uvec4(packHalf2x16(lo.xy), packHalf2x16(lo.zw), packHalf2x16(hi.xy), packHalf2x16(hi.zw));
}
// EXPAND_DW: 8 channels of the block's hidden output at element `at` (a multiple of 8).
void out_store8(uint at, vec4 lo, vec4 hi) {
  out_vec[at / 8] = uvec4(packHalf2x16(lo.xy), packHalf2x16(lo.zw), packHalf2x16(hi.xy), packHalf2x16(hi.zw));
}
void dw_weight8(uint hc0, uint tap, uint g, out vec4 lo, out vec4 hi) {
  const uint at = DWS_OFF + tap * (HC / 4) + 2 * g;
  lo = uintBitsToFloat(S[at]);
  hi = uintBitsToFloat(S[at + 1]);
}
void dw_bias8(uint hc0, uint g, out vec4 lo, out vec4 hi) { dw_weight8(hc0, 9, g, lo, hi); }

// X: the input tile, 16-byte chunks (8 channels); zero outside the image, past
// PIN and past cin (K padding). cin % 8 == 0 (host-checked).
void stage_input(uint img, int iy0, int ix0) {
  const uint KV = CIN / 8, kv_real = pc.cin / 8;
  for (uint i = gl_LocalInvocationIndex; i < PIN_PAD * KV; i += WG_SIZE) {
    const uint r = i / KV, q = i % KV;
    const int gy = iy0 + int(r / IW), gx = ix0 + int(r % IW);
    uvec4 v = uvec4(0);
    if (r < PIN && q < kv_real && gy >= 0 && gy < int(pc.h) && gx >= 0 && gx < int(pc.w))
      v = x_vec[((img * pc.h + uint(gy)) * pc.w + uint(gx)) * kv_real + q];
    S[r * XS + q] = v;
  }
}

// The expand weight rows hc0 .. hc0 + HC and their bias into WE and BE.
void stage_weights(uint hc0) {
  const uint KV = CIN / 8;
  for (uint i = gl_LocalInvocationIndex; i < HC * KV; i += WG_SIZE)
    S[WE_OFF + (i / KV) * XS + i % KV] = we_vec[hc0 * KV + i];
  for (uint i = gl_LocalInvocationIndex; i < 4 * HC; i += WG_SIZE) {
    const uint c = (i % (HC / 4)) * 4;
    S[BE_OFF_S + i] = floatBitsToUint(vec4(vf[BE_OFF + hc0 + c], vf[BE_OFF + hc0 + c + 1],
                                           vf[BE_OFF + hc0 + c + 2], vf[BE_OFF + hc0 + c + 3]));
  }
}

// The depthwise weight of chunk hc0 [9][HC] and its bias [HC] (as tap 9)
// into DWS (the packed layout is tap-major already: mbconv_layout.h); staged
// apart from stage_weights: its readers (depthwise) run after the expand, so
// the next chunk's copy waits for the project phase.
void stage_dw_weights(uint hc0) {
  for (uint i = gl_LocalInvocationIndex; i < 10 * HC / 4; i += WG_SIZE) {
    const uint t = i / (HC / 4), c4 = i % (HC / 4);
    S[DWS_OFF + i] = floatBitsToUint(vf4[(DW_OFF + t * HIDDEN + hc0) / 4 + c4]);
  }
}

void expand_chunk(uint hc0, uint img, int iy0, int ix0) {
  for (uint mi = gl_SubgroupID; mi < EMF; mi += SUBGROUPS) {
    [[unroll]] for (uint j = 0; j < ENF; ++j) {
      coopMatLoad(eacc[j], S, BE_OFF_S + j * 4, HC / 4, gl_CooperativeMatrixLayoutRowMajor);
    }
    [[unroll]] for (uint k = 0; k < CIN; k += 16) {
      CM_A a;
      coopMatLoad(a, S, mi * 16 * XS + k / 8, XS, gl_CooperativeMatrixLayoutRowMajor);
      [[unroll]] for (uint j = 0; j < ENF; ++j) {
        CM_B b;
        coopMatLoad(b, S, WE_OFF + j * 16 * XS + k / 8, XS, gl_CooperativeMatrixLayoutColumnMajor);
        eacc[j] = coopMatMulAdd(a, b, eacc[j]);
      }
    }
    [[unroll]] for (uint j = 0; j < ENF; ++j) {
      for (int e = 0; e < eacc[j].length(); ++e) eacc[j][e] = clamp(eacc[j][e], 0.0, 6.0);
      const CM_H h = CM_H(eacc[j]);
      coopMatStore(h, S, H_OFF + mi * 16 * HS + j * 2, HS, gl_CooperativeMatrixLayoutRowMajor);
    }
  }
}

void project_init(bool with_bias) {
  [[unroll]] for (uint i = 0; i < PFR; ++i) {
    const uint f = gl_SubgroupID * PFR + i;
    pacc[i] = CM_C(0.0);
    if (with_bias && f < PFRAGS)
      coopMatLoad(pacc[i], vf, BP_OFF + (f / PMF) * 16, COUT, gl_CooperativeMatrixLayoutRowMajor);
  }
}

const uint KF = HC / 16;  // K steps of the project per chunk
CM_B pb[KF];

void project_chunk(uint hc0) {
  uint loaded = 0xffffffffu;  // column block whose B fragments are in pb
  [[unroll]] for (uint i = 0; i < PFR; ++i) {
    const uint f = gl_SubgroupID * PFR + i;
    if (f >= PFRAGS) continue;  // uniform over the subgroup
    const uint mi = f % PMF, ni = f / PMF;
    if (ni != loaded) {
      [[unroll]] for (uint k = 0; k < KF; ++k)
        coopMatLoad(pb[k], wp_vec, (ni * 16 * HIDDEN + hc0 + k * 16) / 8, HIDDEN / 8,
                    gl_CooperativeMatrixLayoutColumnMajor);
      loaded = ni;
    }
    [[unroll]] for (uint k = 0; k < KF; ++k) {
      CM_A a;
      coopMatLoad(a, S, D_OFF + mi * 16 * HS + k * 2, HS, gl_CooperativeMatrixLayoutRowMajor);
      pacc[i] = coopMatMulAdd(a, pb[k], pacc[i]);
    }
  }
}

// SPLIT > 1: fp32 sums to part[part_base + row * COUT + col]. Otherwise fp16
// through the output stage, then 16-byte stores of the pixels inside the image
// (cout % 8 == 0, host-checked).
void finish(uint img, uint oy0, uint ox0, uint part_base) {
  if (SPLIT > 1) {
    [[unroll]] for (uint i = 0; i < PFR; ++i) {
      const uint f = gl_SubgroupID * PFR + i;
      if (f < PFRAGS)
        coopMatStore(pacc[i], part, part_base + (f % PMF) * 16 * COUT + (f / PMF) * 16, COUT,
                     gl_CooperativeMatrixLayoutRowMajor);
    }
    return;
  }
  barrier();  // every subgroup is done with X, H and D: the output stage aliases them
  [[unroll]] for (uint i = 0; i < PFR; ++i) {
    const uint f = gl_SubgroupID * PFR + i;
    if (f < PFRAGS) {
      const CM_H o = CM_H(pacc[i]);
      coopMatStore(o, S, (f % PMF) * 16 * OS + (f / PMF) * 2, OS, gl_CooperativeMatrixLayoutRowMajor);
    }
  }
  barrier();
  const uint G = pc.cout / 8;  // 16-byte groups per output pixel
  for (uint i = gl_LocalInvocationIndex; i < MP * G; i += WG_SIZE) {
    const uint q = i / G, g = i % G, oy = oy0 + q / TW, ox = ox0 + q % TW;
    if (oy < pc.ho && ox < pc.wo) out_vec[((img * pc.ho + oy) * pc.wo + ox) * G + g] = S[q * OS + g];
  }
}
