package main

import "github.com/spf13/cobra"

func (a *app) probeCmd() *cobra.Command { return &cobra.Command{Use: "probe"} }
