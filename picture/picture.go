// Package picture checks and normalizes the profile pictures people upload
// while claiming their account.
//
// An upload is never stored or served as sent. It is decoded and drawn
// again into a fresh, bounded JPEG, because the bytes a person sends can
// carry more than a picture: EXIF and XMP metadata (GPS position, camera
// serial number, the original file name), ICC profiles, comments, and
// trailing or interleaved data that makes the file a valid HTML, SVG, PDF,
// ZIP or script as well (a polyglot) that a browser or another tool could
// be tricked into interpreting. Re-encoding keeps only the pixels, so what
// the server hands out contains nothing but bytes its own encoder wrote,
// and it is small (at most OutputSize×OutputSize) whatever was uploaded.
//
// Limits are checked in the order that keeps a hostile upload cheap: the
// body is read through io.LimitReader (at most MaxUploadBytes+1 bytes),
// the type is sniffed from the content (never from a file name or a
// Content-Type header), and the dimensions are read from the header alone
// before any pixel is decoded, so a small file claiming a huge image (a
// decompression bomb) is refused without allocating its pixels.
package picture

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"

	"golang.org/x/image/draw"
)

// Limits of an upload.
const (
	// MaxUploadBytes bounds the request body of an upload (5 MiB).
	MaxUploadBytes = 5 << 20
	// MaxDimension bounds the width and the height of the uploaded image,
	// checked on its header before decoding (decompression bombs).
	MaxDimension = 6000
	// MinDimension is the least width and height accepted.
	MinDimension = 64
	// MaxPixels bounds width×height of the uploaded image (checked on its
	// header too): decoding allocates up to 8 bytes a pixel (16-bit PNG).
	MaxPixels = 24_000_000
	// OutputSize is the side of the square JPEG that Normalize produces
	// from pictures at least that large. A smaller picture keeps its size:
	// its center square is re-encoded without being scaled up, so the
	// output is min(width, height, OutputSize) pixels square, never less
	// than MinDimension. Scaling up adds bytes but no detail; pages scale
	// the picture to the size they show it at anyway.
	OutputSize = 512
)

// quality is the JPEG quality of the output.
const quality = 85

// Image is a normalized picture: a square JPEG.
type Image struct {
	Data        []byte
	ContentType string // always "image/jpeg"
	// Width and Height are equal: between MinDimension and OutputSize.
	Width, Height int
}

// ErrRefused matches (errors.Is) every *Problem.
var ErrRefused = errors.New("picture: refused")

// Problem is why an upload was refused.
type Problem struct {
	// Reason is a sentence for the person who uploaded the picture.
	Reason string
}

func (p *Problem) Error() string { return "picture: refused: " + p.Reason }

// Is makes errors.Is(p, ErrRefused) true.
func (p *Problem) Is(target error) bool { return target == ErrRefused }

func refuse(reason string) error { return &Problem{Reason: reason} }

// The reasons of refusals that tests and callers may compare.
var (
	reasonType     = "The picture must be a JPEG or PNG file."
	reasonEmpty    = "The picture is empty: choose a JPEG or PNG file."
	reasonBytes    = fmt.Sprintf("The picture is too large: at most %d MB.", MaxUploadBytes>>20)
	reasonDamaged  = "The picture could not be read: the file is damaged or incomplete."
	reasonTooLarge = fmt.Sprintf("The picture is too large: at most %d×%d pixels.", MaxDimension, MaxDimension)
	reasonPixels   = fmt.Sprintf("The picture is too large: at most %d megapixels.", MaxPixels/1_000_000)
	reasonTooSmall = fmt.Sprintf("The picture is too small: at least %d×%d pixels.", MinDimension, MinDimension)
)

// Limiter bounds how many uploads are decoded at once. A picture at the
// limits takes up to a few hundred MB while it is decoded (a 24 megapixel
// progressive JPEG keeps its coefficients, a 16-bit PNG takes 8 bytes a
// pixel); uploads happen once per claim, so the rare caller that finds
// every slot busy waits a fraction of a second rather than letting a
// burst of uploads exhaust the server's memory. Reading the body happens
// before taking a slot, so slow clients hold none. A server makes one.
type Limiter struct{ slots chan struct{} }

// NewLimiter lets n uploads decode at once (at least one).
func NewLimiter(n int) *Limiter { return &Limiter{slots: make(chan struct{}, max(n, 1))} }

// Normalize is the package's Normalize within the limiter's bound.
func (l *Limiter) Normalize(r io.Reader) (Image, error) { return normalize(r, l.slots) }

// Normalize checks and re-encodes an uploaded picture: a JPEG or PNG of
// at most MaxUploadBytes, MaxDimension pixels a side and MaxPixels in
// all, at least MinDimension a side. The result is its center square,
// scaled down to OutputSize if larger (see OutputSize), turned upright
// according to the JPEG's EXIF orientation, with transparent areas
// composited on white, encoded as a JPEG of quality 85 without any
// metadata.
//
// When the upload is refused the error is a *Problem (errors.Is(err,
// ErrRefused)) whose Reason can be shown to the person. Any other error is
// r's own read error (a broken connection, say); an *http.MaxBytesError
// from an http.MaxBytesReader counts as a refusal ("too large").
// Normalize itself sets no bound on concurrent decodes: servers use a
// Limiter.
func Normalize(r io.Reader) (Image, error) { return normalize(r, nil) }

func normalize(r io.Reader, slots chan struct{}) (Image, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxUploadBytes+1))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return Image{}, refuse(reasonBytes)
		}
		return Image{}, fmt.Errorf("picture: reading the upload: %w", err)
	}
	switch {
	case len(data) > MaxUploadBytes:
		return Image{}, refuse(reasonBytes)
	case len(data) == 0:
		return Image{}, refuse(reasonEmpty)
	}

	// Content sniffing, and the format's own decoders rather than
	// image.Decode's registry: a GIF or WebP decoder that another package
	// registered must not widen what is accepted.
	var (
		decodeConfig func(io.Reader) (image.Config, error)
		decode       func(io.Reader) (image.Image, error)
		isJPEG       bool
	)
	switch http.DetectContentType(data) {
	case "image/jpeg":
		decodeConfig, decode, isJPEG = jpeg.DecodeConfig, jpeg.Decode, true
	case "image/png":
		decodeConfig, decode = png.DecodeConfig, png.Decode
	default:
		return Image{}, refuse(reasonType)
	}

	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return Image{}, refuse(reasonDamaged)
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return Image{}, err
	}

	if slots != nil {
		slots <- struct{}{}
		defer func() { <-slots }()
	}

	src, err := decode(bytes.NewReader(data))
	if err != nil {
		return Image{}, refuse(reasonDamaged)
	}
	// The header was checked; the decoded image must be what it announced.
	b := src.Bounds()
	if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return Image{}, refuse(reasonDamaged)
	}
	square := centerSquare(src, isJPEG)
	if isJPEG {
		square = orient(square, exifOrientation(data))
	}
	var out bytes.Buffer
	out.Grow(64 << 10)
	if err := jpeg.Encode(&out, square, &jpeg.Options{Quality: quality}); err != nil {
		return Image{}, fmt.Errorf("picture: encoding: %w", err) // writing to a bytes.Buffer does not fail
	}
	n := square.Bounds().Dx()
	return Image{Data: out.Bytes(), ContentType: "image/jpeg", Width: n, Height: n}, nil
}

// checkSize applies the dimension limits to an image's header.
func checkSize(w, h int) error {
	switch {
	case w > MaxDimension || h > MaxDimension:
		return refuse(reasonTooLarge)
	case w*h > MaxPixels: // both at most MaxDimension: no overflow
		return refuse(reasonPixels)
	case w < MinDimension || h < MinDimension:
		return refuse(reasonTooSmall)
	}
	return nil
}

// centerSquare crops src to its center square and scales that down to
// OutputSize (never up), drawn over white so that transparent PNG areas
// become white. opaque skips the compositing for JPEGs, which have no
// alpha.
func centerSquare(src image.Image, opaque bool) *image.RGBA {
	b := src.Bounds()
	side := min(b.Dx(), b.Dy())
	x0, y0 := b.Min.X+(b.Dx()-side)/2, b.Min.Y+(b.Dy()-side)/2
	crop := image.Rect(x0, y0, x0+side, y0+side)
	n := min(side, OutputSize)
	dst := image.NewRGBA(image.Rect(0, 0, n, n))
	op := draw.Src
	if !opaque {
		draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
		op = draw.Over
	}
	if n == side {
		draw.Draw(dst, dst.Bounds(), src, crop.Min, op)
	} else {
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, crop, op, nil)
	}
	return dst
}
