// Command ce-go drives the CloudEvents Go SDK (github.com/cloudevents/sdk-go/v2) against a broker.
//
//	ce-go send URL       sends a fixed set of events (binary and structured mode) and prints one
//	                     JSON line per event: {"id", "mode", "ack", "status", "error"}
//	ce-go receive        listens on 127.0.0.1 (a free port), prints {"listening": PORT}, then one
//	                     JSON line per event received: {"received": <event in JSON format>}; replies
//	                     to com.example.go.order with com.example.go.confirmed
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

func printJSON(value any) {
	line, _ := json.Marshal(value)
	fmt.Println(string(line))
}

func send(target string) error {
	client, err := cloudevents.NewClientHTTP()
	if err != nil {
		return err
	}
	at := time.Date(2026, 3, 1, 12, 30, 0, 250_000_000, time.UTC)

	order := cloudevents.NewEvent()
	order.SetID("go-bin-1")
	order.SetSource("/go/producer")
	order.SetType("com.example.go.order")
	order.SetSubject("order 1 — Zoë & Co")
	order.SetTime(at)
	order.SetExtension("region", "eu-west")
	order.SetExtension("partitionkey", "customer-1")
	_ = order.SetData(cloudevents.ApplicationJSON, map[string]any{"amount": 12.5, "items": []string{"a", "b"}})

	structured := cloudevents.NewEvent()
	structured.SetID("go-str-1")
	structured.SetSource("/go/producer")
	structured.SetType("com.example.go.order")
	structured.SetTime(at)
	structured.SetExtension("priority", 3) // an Integer extension: its canonical string form is "3"
	_ = structured.SetData(cloudevents.ApplicationJSON, map[string]any{"amount": 99})

	text := cloudevents.NewEvent()
	text.SetID("go-text-1")
	text.SetSource("/go/producer")
	text.SetType("com.example.go.note")
	_ = text.SetData(cloudevents.TextPlain, "hello from go")

	blob := cloudevents.NewEvent()
	blob.SetID("go-bytes-1")
	blob.SetSource("/go/producer")
	blob.SetType("com.example.go.blob")
	_ = blob.SetData("application/octet-stream", []byte{0, 1, 0xfe, 0xff})

	// A raw "%" in a header value: this SDK does not percent-encode (HTTP binding 1.0.2 §3.1.3.2).
	percent := cloudevents.NewEvent()
	percent.SetID("go-pct-1")
	percent.SetSource("/go/producer")
	percent.SetType("com.example.go.note")
	percent.SetSubject("50% off")

	invalid := cloudevents.NewEvent()
	invalid.SetID("go-ttl-0")
	invalid.SetSource("/go/producer")
	invalid.SetType("com.example.go.loop")
	invalid.SetExtension("knativebrokerttl", "0") // spent loop guard: the broker must refuse it

	for _, item := range []struct {
		event cloudevents.Event
		mode  string
	}{{order, "binary"}, {structured, "structured"}, {text, "binary"}, {blob, "structured"}, {percent, "binary"}, {invalid, "binary"}} {
		ctx := cloudevents.ContextWithTarget(context.Background(), target)
		if item.mode == "structured" {
			ctx = cloudevents.WithEncodingStructured(ctx)
		} else {
			ctx = cloudevents.WithEncodingBinary(ctx)
		}
		result := client.Send(ctx, item.event)
		line := map[string]any{"id": item.event.ID(), "mode": item.mode, "ack": cloudevents.IsACK(result)}
		var httpResult *cehttp.Result
		if cloudevents.ResultAs(result, &httpResult) {
			line["status"] = httpResult.StatusCode
		}
		if !cloudevents.IsACK(result) {
			line["error"] = result.Error()
		}
		printJSON(line)
	}
	return nil
}

func receive() error {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	protocol, err := cloudevents.NewHTTP(cloudevents.WithListener(listener))
	if err != nil {
		return err
	}
	client, err := cloudevents.NewClient(protocol)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	printJSON(map[string]any{"listening": listener.Addr().(*net.TCPAddr).Port})
	return client.StartReceiver(ctx, func(ctx context.Context, event cloudevents.Event) (*cloudevents.Event, cloudevents.Result) {
		encoded, _ := json.Marshal(event)
		fmt.Printf("{\"received\":%s}\n", encoded)
		if event.Type() != "com.example.go.order" {
			return nil, cloudevents.ResultACK
		}
		reply := cloudevents.NewEvent()
		reply.SetID("confirm-" + event.ID())
		reply.SetSource("/go/subscriber")
		reply.SetType("com.example.go.confirmed")
		_ = reply.SetData(cloudevents.ApplicationJSON, map[string]any{"order": event.ID()})
		return &reply, cloudevents.ResultACK
	})
}

func main() {
	var err error
	switch {
	case len(os.Args) == 3 && os.Args[1] == "send":
		err = send(os.Args[2])
	case len(os.Args) == 2 && os.Args[1] == "receive":
		err = receive()
	default:
		err = fmt.Errorf("usage: ce-go send URL | ce-go receive")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
