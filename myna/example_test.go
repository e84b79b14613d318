package myna_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/taimen-dev/taimen/myna"
)

func ExampleNewCheckCodeB() {
	birth := time.Date(1980, time.February, 17, 0, 0, 0, 0, time.UTC)
	b, err := myna.NewCheckCodeB(birth, myna.DateFormEra, 2035, "4821")
	if err != nil {
		panic(err)
	}
	fmt.Println(b)              // redacted
	fmt.Printf("%+v\n", b)      // redacted too
	fmt.Println(len(b.Bytes())) // the VERIFY data: 14 ASCII digits
	fmt.Println(b.Matches([]byte("55021720354821")))
	// Output:
	// check code B([redacted])
	// check code B([redacted])
	// 14
	// true
}

func ExampleParseCheckCodeB() {
	_, err := myna.ParseCheckCodeB("5502172035482")
	var fe *myna.FormError
	fmt.Println(errors.As(err, &fe), fe.Reason)
	// Output: true must be 14 digits, got 13
}

func ExampleToEra() {
	for _, d := range []string{"1989-01-07", "1989-01-08", "2019-05-01"} {
		t, _ := time.Parse(time.DateOnly, d)
		e, _ := myna.ToEra(t)
		fmt.Println(d, e, e.Era.Romaji(), e.YYMMDD())
	}
	// Output:
	// 1989-01-07 昭和64年1月7日 Showa 640107
	// 1989-01-08 平成元年1月8日 Heisei 010108
	// 2019-05-01 令和元年5月1日 Reiwa 010501
}

func ExampleAccess_Opens() {
	face, _ := myna.LookupEF(myna.CardSurfaceAP, myna.SurfaceFace)
	verified := map[myna.FileID]bool{myna.SurfaceCheckCodeBRef: true}
	fmt.Println(face.Access, face.Access.Opens(func(f myna.FileID) bool { return verified[f] }))
	number, _ := myna.LookupEF(myna.CardSurfaceAP, myna.SurfaceNumberImage)
	fmt.Println(number.Access, number.Access.Opens(func(f myna.FileID) bool { return verified[f] }))
	// Output:
	// any of {0012, 0013} true
	// any of {0013} false
}
