variable "name" {
  description = "Bucket name (globally unique)."
  type        = string
}

variable "data_class" {
  description = "Data classification tag."
  type        = string
  default     = "internal"
}

variable "versioning" {
  description = "Keep every version of every object."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "KMS key for default encryption."
  type        = string
}
