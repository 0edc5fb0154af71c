variable "name" {
  description = "Name prefix."
  type        = string
}

variable "instance_type" {
  description = "EC2 instance type."
  type        = string
}

variable "instance_count" {
  description = "Number of web servers."
  type        = number
  default     = 1
}

variable "scratch_volume_count" {
  description = "Number of scratch volumes."
  type        = number
  default     = 0
}

variable "subnet_ids" {
  description = "Subnets to spread the web servers over."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups of the web servers."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key for the root volumes and the logs."
  type        = string
}

variable "assets_bucket_arn" {
  description = "Bucket the web servers read static assets from."
  type        = string
}

variable "logs_bucket_arn" {
  description = "Bucket the web servers write logs to."
  type        = string
}
