variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"
}

variable "project" {
  description = "Short project name, used as a prefix for resource names."
  type        = string
  default     = "shop"
}

variable "environment" {
  description = "Deployment environment (dev, staging, prod)."
  type        = string
  default     = "dev"
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.20.0.0/16"
}

variable "subnets" {
  description = "Private subnets, keyed by availability-zone suffix."
  type        = map(string)
  default = {
    a = "10.20.1.0/24"
    b = "10.20.2.0/24"
  }
}

variable "admin_cidrs" {
  description = "Networks allowed to reach the instances over SSH."
  type        = list(string)
  default     = ["10.0.0.0/8"]
}

variable "buckets" {
  description = "Buckets to create, keyed by purpose."
  type = map(object({
    data_class = string
    versioning = bool
  }))
  default = {
    logs = { data_class = "internal", versioning = true }
  }
}

variable "instance_type" {
  description = "EC2 instance type of the web servers."
  type        = string
  default     = "t3.micro"
}

variable "instance_count" {
  description = "Number of web servers."
  type        = number
  default     = 1
}

variable "scratch_volume_count" {
  description = "Extra scratch volumes next to the web servers."
  type        = number
  default     = 1
}
