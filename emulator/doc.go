// Package emulator is a software My Number Card: the applications, files,
// key references and status words of CARD.md, personalized from a
// myna.Profile, with retry counters that survive power cycles and restarts.
//
// A Card answers raw APDUs through Transmit; PowerOn, PowerOff and Reset
// model the contact or field events. The vpcd subpackage attaches a Card to
// a real pcscd.
package emulator
