// COOPMAT steps of mbconv.comp (GL_KHR_cooperative_matrix, 16x16x16, fp16
// operands, fp32 accumulators). Shared memory S (uvec4 units,
// mbconv_layout.h): X [PIN_PAD][XS] input tile, H [PIN_PAD][HS] expanded
// chunk, D [MP_PAD][HS] depthwise chunk, all fp16; after the last chunk the
// fp16 output stage [MP_PAD][OS] aliases them.
// Expand: subgroup s takes row blocks mi = s, s + SUBGROUPS, ... of H, all HC / 16
// column blocks of each, A from X, B (the weight) straight from device memory
// (column-major: we[c][k] is element (k, c)). The accumulators start from the
// replicated expand bias; ReLU6 is applied element-wise (position-free), then
// they are converted to fp16 and stored into H.
// Project: the MP_PAD x COUT output is PMF x PNF blocks; subgroup s owns blocks
// s, s + SUBGROUPS, ... (PFR of them, kept in registers over every chunk).
#define CM_A coopmat<float16_t, gl_ScopeSubgroup, 16, 16, gl_MatrixUseA>
#define CM_B coopmat<float16_t, gl_ScopeSubgroup, 16, 16, gl_MatrixUseB>
#define CM_C coopmat<float, gl_ScopeSubgroup, 16, 16, gl_MatrixUseAccumulator>
#define CM_H coopmat<float16_t, gl_ScopeSubgroup, 16, 16, gl_MatrixUseAccumulator>

const uint XS = EFFNET_MBCONV_ROW16(CIN);
const uint HS = EFFNET_MBCONV_ROW16(HC);
const uint OS = EFFNET_MBCONV_ROW16(COUT);
const uint H_OFF = PIN_PAD * XS;
const uint D_OFF = H_OFF + PIN_PAD * HS;
const uint MAIN_VEC4 = EFFNET_MBCONV_CM_MAIN_VEC4(PIN_PAD, MP_PAD, CIN, HC);
const uint OUT_VEC4 = EFFNET_MBCONV_CM_OUT_VEC4(MP_PAD, COUT);
shared uvec4 S[MAIN_VEC4 > OUT_VEC4 ? MAIN_VEC4 : OUT_VEC4];

const uint D_ROWS = MP_PAD;  // rows of D the depthwise step writes
const uint EMF = PIN_PAD / 16, ENF = HC / 16;
const uint PMF = MP_PAD / 16, PNF = COUT / 16, PFRAGS = PMF * PNF;
const uint PFR = (PFRAGS + SUBGROUPS - 1) / SUBGROUPS;
CM_C eacc[ENF];
CM_C pacc[PFR];

vec2 h_load2(uint row, uint c2) { return unpackHalf2x16(S[H_OFF + row * HS + c2 / 4][c2 % 4]); }
void d_store2(uint row, uint c2, vec2 v) { S[D_OFF + row * HS + c2 / 4][c2 % 4] = packHalf2x16(v); }

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

void expand_chunk(uint hc0, uint img, int iy0, int ix0) {
  for (uint mi = gl_SubgroupID; mi < EMF; mi += SUBGROUPS) {
    [[unroll]] for (uint j = 0; j < ENF; ++j)
      coopMatLoad(eacc[j], vf, BE_OFF + hc0 + j * 16, HIDDEN, gl_CooperativeMatrixLayoutRowMajor);
    [[unroll]] for (uint k = 0; k < CIN; k += 16) {
      CM_A a;
      coopMatLoad(a, S, mi * 16 * XS + k / 8, XS, gl_CooperativeMatrixLayoutRowMajor);
      [[unroll]] for (uint j = 0; j < ENF; ++j) {
        CM_B b;
        coopMatLoad(b, we_vec, ((hc0 + j * 16) * CIN + k) / 8, CIN / 8, gl_CooperativeMatrixLayoutColumnMajor);
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
    const uint f = gl_SubgroupID + i * SUBGROUPS;
    pacc[i] = CM_C(0.0);
    if (with_bias && f < PFRAGS)
      coopMatLoad(pacc[i], vf, BP_OFF + (f / PMF) * 16, COUT, gl_CooperativeMatrixLayoutRowMajor);
  }
}

void project_chunk(uint hc0) {
  [[unroll]] for (uint i = 0; i < PFR; ++i) {
    const uint f = gl_SubgroupID + i * SUBGROUPS;
    if (f >= PFRAGS) continue;  // uniform over the subgroup
    const uint mi = f % PMF, ni = f / PMF;
    [[unroll]] for (uint k = 0; k < HC; k += 16) {
      CM_A a;
      coopMatLoad(a, S, D_OFF + mi * 16 * HS + k / 8, HS, gl_CooperativeMatrixLayoutRowMajor);
      CM_B b;
      coopMatLoad(b, wp_vec, (ni * 16 * HIDDEN + hc0 + k) / 8, HIDDEN / 8, gl_CooperativeMatrixLayoutColumnMajor);
      pacc[i] = coopMatMulAdd(a, b, pacc[i]);
    }
  }
}

// SPLIT > 1: fp32 sums to part[part_base + row * COUT + col]. Otherwise fp16
// through the output stage, then 16-byte stores of the pixels inside the image
// (cout % 8 == 0, host-checked).
void finish(uint img, uint oy0, uint ox0, uint part_base) {
  if (SPLIT > 1) {
    [[unroll]] for (uint i = 0; i < PFR; ++i) {
      const uint f = gl_SubgroupID + i * SUBGROUPS;
      if (f < PFRAGS)
        coopMatStore(pacc[i], part, part_base + (f % PMF) * 16 * COUT + (f / PMF) * 16, COUT,
                     gl_CooperativeMatrixLayoutRowMajor);
    }
    return;
  }
  barrier();  // every subgroup is done with X, H and D: the output stage aliases them
  [[unroll]] for (uint i = 0; i < PFR; ++i) {
    const uint f = gl_SubgroupID + i * SUBGROUPS;
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
