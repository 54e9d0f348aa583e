// SCALAR (portable) steps of mbconv.comp: plain loops, any device. Shared
// memory: H [PIN][HC] and D [MP][HC] as fp32 (values rounded to the storage
// type, as the unfused layers store them). The input and the weights are read
// from device memory; an invocation keeps PE project sums in registers
// (elements i + e * WG_SIZE of the row-major [MP][COUT] tile). CIN == cin and
// COUT == cout here (no padding).
shared float SH[EFFNET_MBCONV_SC_FLOATS(PIN, MP, HC)];
const uint D_OFF = PIN * HC;
const uint D_ROWS = MP;
const uint PE = (MP * COUT + WG_SIZE - 1) / WG_SIZE;
float pacc[PE];

float to_storage(float v) {
#ifdef FP16
  return float(float16_t(v));
#else
  return v;
#endif
}

vec2 h_load2(uint row, uint c2) { return vec2(SH[row * HC + 2 * c2], SH[row * HC + 2 * c2 + 1]); }
void d_store2(uint row, uint c2, vec2 v) {
  SH[D_OFF + row * HC + 2 * c2] = to_storage(v.x);
  SH[D_OFF + row * HC + 2 * c2 + 1] = to_storage(v.y);
}

void stage_input(uint img, int iy0, int ix0) {}

// H[r][j] for input-tile pixel r and chunk channel j; 0 outside the image
// (never read: the depthwise step skips those taps).
void expand_chunk(uint hc0, uint img, int iy0, int ix0) {
  for (uint i = gl_LocalInvocationIndex; i < PIN * HC; i += WG_SIZE) {
    const uint r = i / HC, j = i % HC;
    const int gy = iy0 + int(r / IW), gx = ix0 + int(r % IW);
    float v = 0.0;
    if (gy >= 0 && gy < int(pc.h) && gx >= 0 && gx < int(pc.w)) {
      const uint xb = ((img * pc.h + uint(gy)) * pc.w + uint(gx)) * pc.cin, wb = (hc0 + j) * CIN;
      float s = vf[BE_OFF + hc0 + j];
      for (uint k = 0; k < pc.cin; ++k) s = fma(float(x_data[xb + k]), float(we_data[wb + k]), s);
      v = to_storage(clamp(s, 0.0, 6.0));
    }
    SH[i] = v;
  }
}

void project_init(bool with_bias) {
  [[unroll]] for (uint e = 0; e < PE; ++e) {
    const uint i = gl_LocalInvocationIndex + e * WG_SIZE;
    pacc[e] = with_bias && i < MP * COUT ? vf[BP_OFF + i % COUT] : 0.0;
  }
}

void project_chunk(uint hc0) {
  [[unroll]] for (uint e = 0; e < PE; ++e) {
    const uint i = gl_LocalInvocationIndex + e * WG_SIZE;
    if (i >= MP * COUT) break;
    const uint q = i / COUT, co = i % COUT, db = D_OFF + q * HC, wb = co * HIDDEN + hc0;
    float s = pacc[e];
    for (uint k = 0; k < HC; ++k) s = fma(SH[db + k], float(wp_data[wb + k]), s);
    pacc[e] = s;
  }
}

void finish(uint img, uint oy0, uint ox0, uint part_base) {
  [[unroll]] for (uint e = 0; e < PE; ++e) {
    const uint i = gl_LocalInvocationIndex + e * WG_SIZE;
    if (i >= MP * COUT) break;
    const uint q = i / COUT, co = i % COUT, oy = oy0 + q / TW, ox = ox0 + q % TW;
    if (SPLIT > 1) {
      part[part_base + q * COUT + co] = pacc[e];
    } else if (oy < pc.ho && ox < pc.wo) {
      out_data[((img * pc.ho + oy) * pc.wo + ox) * pc.cout + co] = SFP(pacc[e]);
    }
  }
}
