# Placeholder component "eks/cluster": the example exists to show authentication, not infrastructure.
variable "enabled" {
  type    = bool
  default = true
}

output "enabled" {
  value = var.enabled
}
