package picture

import (
	"bytes"
	"encoding/binary"
	"image"
)

// EXIF orientation is honoured because re-encoding drops the EXIF block
// that carries it: phones store portrait photos sideways and rely on that
// tag, so without it their pictures would show on their side. Only the
// Orientation tag of IFD0 is read, from the APP1 segments before the first
// scan; anything unexpected means "upright" (1).

// exifOrientation returns the EXIF orientation (1–8) of a JPEG, 1 when it
// has none or it cannot be read.
func exifOrientation(jpg []byte) int {
	if len(jpg) < 2 || jpg[0] != 0xFF || jpg[1] != 0xD8 {
		return 1
	}
	for i := 2; i+4 <= len(jpg); {
		if jpg[i] != 0xFF {
			return 1
		}
		marker := jpg[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0x01 || marker >= 0xD0 && marker <= 0xD8: // no length
			i += 2
			continue
		case marker == 0xDA || marker == 0xD9: // start of scan, end of image
			return 1
		}
		n := int(binary.BigEndian.Uint16(jpg[i+2:]))
		if n < 2 || i+2+n > len(jpg) {
			return 1
		}
		segment := jpg[i+4 : i+2+n]
		if marker == 0xE1 && bytes.HasPrefix(segment, []byte("Exif\x00\x00")) {
			return tiffOrientation(segment[6:])
		}
		i += 2 + n
	}
	return 1
}

// tiffOrientation reads tag 0x0112 (Orientation, a SHORT) of a TIFF
// header's first IFD.
func tiffOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(tiff[2:]) != 42 {
		return 1
	}
	off := uint64(order.Uint32(tiff[4:]))
	if off+2 > uint64(len(tiff)) {
		return 1
	}
	count := int(order.Uint16(tiff[off:]))
	for k := range count {
		e := int(off) + 2 + 12*k
		if e+12 > len(tiff) {
			return 1
		}
		if order.Uint16(tiff[e:]) != 0x0112 {
			continue
		}
		const typeShort = 3
		if order.Uint16(tiff[e+2:]) != typeShort {
			return 1
		}
		if v := int(order.Uint16(tiff[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}

// orient turns a square image upright for an EXIF orientation. On a
// square the center crop commutes with these turns and flips, so the
// output (at most OutputSize a side) is turned rather than the source.
func orient(src *image.RGBA, orientation int) *image.RGBA {
	if orientation <= 1 || orientation > 8 {
		return src
	}
	n := src.Bounds().Dx()
	dst := image.NewRGBA(image.Rect(0, 0, n, n))
	last := n - 1
	for y := range n {
		for x := range n {
			// (sx, sy) is the stored pixel shown at (x, y).
			var sx, sy int
			switch orientation {
			case 2: // mirrored
				sx, sy = last-x, y
			case 3: // turned 180°
				sx, sy = last-x, last-y
			case 4: // mirrored vertically
				sx, sy = x, last-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // needs a quarter turn clockwise
				sx, sy = y, last-x
			case 7: // transversed
				sx, sy = last-y, last-x
			case 8: // needs a quarter turn counter-clockwise
				sx, sy = last-y, x
			}
			s := src.PixOffset(sx, sy)
			d := dst.PixOffset(x, y)
			copy(dst.Pix[d:d+4], src.Pix[s:s+4])
		}
	}
	return dst
}
