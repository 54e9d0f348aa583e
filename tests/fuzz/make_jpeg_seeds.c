/* Writes the JPEG seeds of the image fuzz target (tests/fuzz/corpus/image):
 * baseline 4:2:0 color, progressive color and grayscale, 16x8 pixels, by
 * libjpeg-turbo.  cc make_jpeg_seeds.c -lturbojpeg && ./a.out corpus/image */
#include <stdio.h>
#include <string.h>
#include <turbojpeg.h>

static int save(const char *dir, const char *name, int pf, int subsamp, int flags) {
  unsigned char px[16 * 8 * 3];
  for (int i = 0; i < (int)sizeof px; ++i) px[i] = (unsigned char)(i * 37 % 251);
  tjhandle h = tjInitCompress();
  unsigned char *jpeg = NULL;
  unsigned long size = 0;
  if (!h || tjCompress2(h, px, 16, 0, 8, pf, &jpeg, &size, subsamp, 75, flags) != 0) return 1;
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(jpeg, 1, size, f) != size) return 1;
  fclose(f);
  tjFree(jpeg);
  tjDestroy(h);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  return save(argv[1], "baseline420.jpg", TJPF_RGB, TJSAMP_420, 0) ||
         save(argv[1], "progressive.jpg", TJPF_RGB, TJSAMP_444, TJFLAG_PROGRESSIVE) ||
         save(argv[1], "gray.jpg", TJPF_GRAY, TJSAMP_GRAY, 0);
}
