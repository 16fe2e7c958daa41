package picture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
)

// scene is a w×h picture with some structure (gradients and a disc), so
// encoders and scalers do real work.
func scene(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	cx, cy, r := w/2, h/2, min(w, h)/3
	for y := range h {
		for x := range w {
			c := color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255}
			if dx, dy := x-cx, y-cy; dx*dx+dy*dy < r*r {
				c = color.RGBA{230, 60, 40, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeGIF(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := gif.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngHeader is a PNG signature and an IHDR chunk claiming w×h RGB pixels,
// with no pixel data at all.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 0, 17)
	ihdr = append(ihdr, "IHDR"...)
	ihdr = binary.BigEndian.AppendUint32(ihdr, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // 8-bit RGB, deflate, no filter, no interlace
	out := []byte("\x89PNG\r\n\x1a\n")
	out = binary.BigEndian.AppendUint32(out, 13)
	out = append(out, ihdr...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(ihdr))
}

// withOrientation inserts an EXIF APP1 segment with an Orientation tag
// right after a JPEG's SOI marker.
func withOrientation(jpg []byte, orientation uint16) []byte {
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08")  // big-endian, IFD0 at 8
	tiff = binary.BigEndian.AppendUint16(tiff, 1) // one entry
	tiff = binary.BigEndian.AppendUint16(tiff, 0x0112)
	tiff = binary.BigEndian.AppendUint16(tiff, 3) // SHORT
	tiff = binary.BigEndian.AppendUint32(tiff, 1) // count
	tiff = binary.BigEndian.AppendUint16(tiff, orientation)
	tiff = append(tiff, 0, 0)                     // value padding
	tiff = binary.BigEndian.AppendUint32(tiff, 0) // no next IFD
	payload := append([]byte("Exif\x00\x00"), tiff...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1}
	out = binary.BigEndian.AppendUint16(out, uint16(2+len(payload)))
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// padTo appends bytes after the image's end (where decoders stop reading)
// until data is n bytes long: the shape of a polyglot file.
func padTo(data []byte, n int) []byte {
	out := bytes.Clone(data)
	out = append(out, "<script>alert(1)</script>"...)
	for len(out) < n {
		out = append(out, 'A')
	}
	return out[:n]
}

func gray(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	return img
}

// transparentWithDot is a fully transparent picture with an opaque red
// square in its middle.
func transparentWithDot(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := h/2 - 10; y < h/2+10; y++ {
		for x := w/2 - 10; x < w/2+10; x++ {
			img.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 255})
		}
	}
	return img
}

func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, b uint8) bool { return max(int(a>>8), int(b))-min(int(a>>8), int(b)) <= 24 }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

func TestNormalize(t *testing.T) {
	okJPEG := encodeJPEG(t, scene(800, 600))
	okPNG := encodePNG(t, scene(600, 1000))
	tests := []struct {
		name   string
		data   []byte
		reason string // "" when accepted
		size   int    // the output's side when accepted
		check  func(t *testing.T, out image.Image)
		slow   bool
	}{
		{name: "jpeg", data: okJPEG, size: OutputSize, check: func(t *testing.T, out image.Image) {
			// The disc at the center stays at the center.
			if c := out.At(OutputSize/2, OutputSize/2); !near(c, color.RGBA{230, 60, 40, 255}) {
				t.Errorf("center %v; want the red disc", c)
			}
		}},
		{name: "png", data: okPNG, size: OutputSize},
		{name: "png with alpha on white", data: encodePNG(t, transparentWithDot(100, 100)), size: 100,
			check: func(t *testing.T, out image.Image) {
				if c := out.At(5, 5); !near(c, color.RGBA{255, 255, 255, 255}) {
					t.Errorf("transparent corner %v; want white", c)
				}
				if c := out.At(50, 50); !near(c, color.RGBA{255, 0, 0, 255}) {
					t.Errorf("opaque center %v; want red", c)
				}
			}},
		{name: "gray png", data: encodePNG(t, gray(300, 200)), size: 200},
		{name: "smaller than the output is not scaled up", data: encodeJPEG(t, scene(300, 200)), size: 200},
		{name: "exactly the minimum", data: encodePNG(t, scene(MinDimension, MinDimension)), size: MinDimension},
		{name: "exactly the output size", data: encodePNG(t, scene(OutputSize, 700)), size: OutputSize},
		{name: "exactly the maximum width", data: encodePNG(t, gray(MaxDimension, MinDimension)), size: MinDimension},
		{name: "exactly the maximum pixels", data: encodePNG(t, gray(MaxDimension, MaxPixels/MaxDimension)), size: OutputSize, slow: true},
		{name: "exactly the maximum bytes", data: padTo(okJPEG, MaxUploadBytes), size: OutputSize},
		{name: "png exactly the maximum bytes", data: padTo(okPNG, MaxUploadBytes), size: OutputSize},

		{name: "one byte too many", data: padTo(okJPEG, MaxUploadBytes+1), reason: reasonBytes},
		{name: "far too many bytes", data: padTo(okJPEG, 3*MaxUploadBytes), reason: reasonBytes},
		{name: "too narrow", data: encodePNG(t, scene(MinDimension-1, 200)), reason: reasonTooSmall},
		{name: "too low", data: encodeJPEG(t, scene(200, MinDimension-1)), reason: reasonTooSmall},
		{name: "tiny", data: encodePNG(t, scene(1, 1)), reason: reasonTooSmall},
		{name: "too wide", data: encodePNG(t, gray(MaxDimension+1, MinDimension)), reason: reasonTooLarge},
		{name: "header claims 100000x100000", data: pngHeader(100_000, 100_000), reason: reasonTooLarge},
		{name: "header claims 2^31-1 wide", data: pngHeader(1<<31-1, MinDimension), reason: reasonTooLarge},
		{name: "header claims one pixel too many", data: pngHeader(MaxDimension, MaxPixels/MaxDimension+1), reason: reasonPixels},
		{name: "header claims a valid size without pixels", data: pngHeader(640, 480), reason: reasonDamaged},
		{name: "gif", data: encodeGIF(t, scene(100, 100)), reason: reasonType},
		{name: "webp", data: []byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + strings.Repeat("\x00", 24)), reason: reasonType},
		{name: "svg", data: []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><script>alert(1)</script></svg>`), reason: reasonType},
		{name: "html", data: []byte("<!DOCTYPE html><img src=x onerror=alert(1)>"), reason: reasonType},
		{name: "garbage", data: []byte("this is not a picture at all, only text"), reason: reasonType},
		{name: "random bytes", data: randomBytes(4096), reason: reasonType},
		{name: "empty", data: nil, reason: reasonEmpty},
		{name: "truncated jpeg", data: okJPEG[:len(okJPEG)/2], reason: reasonDamaged},
		{name: "jpeg magic only", data: []byte{0xFF, 0xD8, 0xFF, 0xE0}, reason: reasonDamaged},
		{name: "truncated png", data: okPNG[:len(okPNG)/2], reason: reasonDamaged},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.slow && testing.Short() {
				t.Skip("decodes a 24 megapixel picture")
			}
			img, err := Normalize(bytes.NewReader(tc.data))
			if tc.reason != "" {
				var p *Problem
				if !errors.As(err, &p) || !errors.Is(err, ErrRefused) {
					t.Fatalf("err = %v; want a *Problem", err)
				}
				if p.Reason != tc.reason {
					t.Fatalf("reason %q; want %q", p.Reason, tc.reason)
				}
				if img.Data != nil {
					t.Fatal("a refused picture has data")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			out := decodeOutput(t, img)
			if img.Width != tc.size {
				t.Fatalf("size %d; want %d", img.Width, tc.size)
			}
			if bytes.Contains(img.Data, []byte("<script>")) {
				t.Fatal("the appended payload survived")
			}
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}
}

// decodeOutput checks that a result is a square JPEG of its stated size,
// without metadata segments, and decodes it.
func decodeOutput(t testing.TB, img Image) image.Image {
	t.Helper()
	if img.ContentType != "image/jpeg" {
		t.Fatalf("content type %q", img.ContentType)
	}
	out, err := jpeg.Decode(bytes.NewReader(img.Data))
	if err != nil {
		t.Fatalf("output does not decode: %v", err)
	}
	b := out.Bounds()
	if b.Dx() != img.Width || b.Dy() != img.Height || img.Width != img.Height {
		t.Fatalf("output %v; Image says %d×%d", b, img.Width, img.Height)
	}
	if img.Width < MinDimension || img.Width > OutputSize {
		t.Fatalf("output side %d outside [%d, %d]", img.Width, MinDimension, OutputSize)
	}
	if bytes.Contains(img.Data, []byte("Exif")) {
		t.Fatal("output carries EXIF")
	}
	return out
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// TestBombHeaderIsCheap: a header claiming 10^10 pixels is refused from
// the header, without allocating anything like its pixels.
func TestBombHeaderIsCheap(t *testing.T) {
	hdr := pngHeader(100_000, 100_000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Normalize(bytes.NewReader(hdr))
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("err = %v; want a refusal", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("refusing a bomb header allocated %d bytes", n)
	}
}

// TestOrientation: the EXIF orientation is applied before it is dropped.
func TestOrientation(t *testing.T) {
	red, green := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 255, 0, 255}
	blue, yellow := color.RGBA{0, 0, 255, 255}, color.RGBA{255, 255, 0, 255}
	src := image.NewRGBA(image.Rect(0, 0, 128, 128))
	for y := range 128 {
		for x := range 128 {
			c := [2][2]color.RGBA{{red, green}, {blue, yellow}}[y/64][x/64]
			src.SetRGBA(x, y, c)
		}
	}
	plain := encodeJPEG(t, src)
	// What shows in the top-left, top-right, bottom-left and bottom-right
	// quarters: the stored picture has red, green / blue, yellow.
	for orientation, want := range map[uint16][4]color.RGBA{
		0: {red, green, blue, yellow}, // no EXIF
		1: {red, green, blue, yellow},
		2: {green, red, yellow, blue},
		3: {yellow, blue, green, red},
		4: {blue, yellow, red, green},
		5: {red, blue, green, yellow},
		6: {blue, red, yellow, green},
		7: {yellow, green, blue, red},
		8: {green, yellow, red, blue},
		9: {red, green, blue, yellow}, // invalid: ignored
	} {
		data := plain
		if orientation != 0 {
			data = withOrientation(plain, orientation)
		}
		img, err := Normalize(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("orientation %d: %v", orientation, err)
		}
		out := decodeOutput(t, img)
		for i, p := range []image.Point{{32, 32}, {96, 32}, {32, 96}, {96, 96}} {
			if c := out.At(p.X, p.Y); !near(c, want[i]) {
				t.Errorf("orientation %d: quarter %d is %v; want %v", orientation, i, c, want[i])
			}
		}
	}
}

func TestExifOrientationMalformed(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":               nil,
		"not a jpeg":          []byte("hello"),
		"segment past end":    {0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 'E'},
		"short length":        {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01},
		"exif without tiff":   append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x08}, "Exif\x00\x00"...),
		"ifd offset past end": append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10}, "Exif\x00\x00MM\x00\x2a\xff\xff\xff\xff"...),
		"entries past end":    append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x12}, "Exif\x00\x00II\x2a\x00\x08\x00\x00\x00\xff\xff"...),
	} {
		if got := exifOrientation(data); got != 1 {
			t.Errorf("%s: orientation %d; want 1", name, got)
		}
	}
}

// errReader fails after its data.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestReadErrorIsNoProblem(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := Normalize(errReader{boom})
	if !errors.Is(err, boom) || errors.Is(err, ErrRefused) {
		t.Fatalf("err = %v; want the read error, not a refusal", err)
	}
}

func TestProblem(t *testing.T) {
	var err error = &Problem{Reason: "The picture must be a JPEG or PNG file."}
	if !errors.Is(err, ErrRefused) || errors.Is(ErrRefused, err) {
		t.Fatal("errors.Is(problem, ErrRefused) must hold")
	}
	if !strings.Contains(err.Error(), "JPEG or PNG") {
		t.Fatalf("Error() = %q", err.Error())
	}
}

func FuzzNormalize(f *testing.F) {
	f.Add(encodeJPEG(f, scene(64, 64)))
	f.Add(encodeJPEG(f, scene(100, 70)))
	f.Add(withOrientation(encodeJPEG(f, scene(80, 64)), 6))
	f.Add(encodePNG(f, scene(64, 90)))
	f.Add(encodePNG(f, transparentWithDot(70, 70)))
	f.Add(encodePNG(f, gray(65, 64)))
	f.Add(encodeGIF(f, scene(64, 64)))
	f.Add(pngHeader(640, 480))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Normalize(bytes.NewReader(data))
		if err != nil {
			var p *Problem
			if !errors.As(err, &p) || !errors.Is(err, ErrRefused) || p.Reason == "" {
				t.Fatalf("refusal %v is not a *Problem with a reason", err)
			}
			return
		}
		decodeOutput(t, img)
	})
}

// BenchmarkNormalize normalizes a 3000×2000 JPEG (a 6 megapixel photo).
func BenchmarkNormalize(b *testing.B) {
	data := encodeJPEG(b, scene(3000, 2000))
	for b.Loop() {
		if _, err := Normalize(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLimiterBoundsDecodes: with every slot taken, a Limiter's Normalize
// waits; it decodes once a slot is free.
func TestLimiterBoundsDecodes(t *testing.T) {
	l := NewLimiter(0) // at least one slot
	if cap(l.slots) != 1 {
		t.Fatalf("slots = %d; want 1", cap(l.slots))
	}
	data := encodePNG(t, image.NewRGBA(image.Rect(0, 0, 100, 100)))
	l.slots <- struct{}{} // another upload is decoding
	done := make(chan error, 1)
	go func() {
		_, err := l.Normalize(bytes.NewReader(data))
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Normalize finished (%v) while every slot was taken", err)
	case <-time.After(50 * time.Millisecond):
	}
	<-l.slots
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
