#include "vk_runtime/buffer.h"

#include <utility>

#include "vk_runtime/errors.h"
#include "vk_runtime/vma.h"

namespace effnet::vk {

Buffer::Buffer(Context& ctx, size_t bytes, MemoryKind kind, Sharing sharing)
    : allocator_(ctx.allocator()), bytes_(bytes), kind_(kind) {
  if (bytes == 0) throw DeviceError("Buffer: size 0");
  if (kind == MemoryKind::DeviceLocal && bytes > ctx.info().max_storage_buffer_range)
    throw DeviceError("buffer of " + std::to_string(bytes) + " bytes exceeds maxStorageBufferRange (" +
                      std::to_string(ctx.info().max_storage_buffer_range) + ") of " + ctx.info().name);
  VkBufferCreateInfo bci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bci.size = bytes;
  bci.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  if (kind == MemoryKind::DeviceLocal) bci.usage |= VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  const uint32_t families[2] = {ctx.info().compute_queue_family, ctx.info().transfer_queue_family};
  if (sharing == Sharing::ComputeAndTransfer && ctx.has_transfer_queue()) {
    bci.sharingMode = VK_SHARING_MODE_CONCURRENT;
    bci.queueFamilyIndexCount = 2;
    bci.pQueueFamilyIndices = families;
  }
  VmaAllocationCreateInfo aci{};
  aci.usage = VMA_MEMORY_USAGE_AUTO;
  switch (kind) {
    case MemoryKind::DeviceLocal:
      aci.usage = VMA_MEMORY_USAGE_AUTO_PREFER_DEVICE;
      break;
    case MemoryKind::Upload:
      aci.flags = VMA_ALLOCATION_CREATE_HOST_ACCESS_SEQUENTIAL_WRITE_BIT | VMA_ALLOCATION_CREATE_MAPPED_BIT;
      aci.usage = VMA_MEMORY_USAGE_AUTO_PREFER_HOST;
      break;
    case MemoryKind::Readback:
      aci.flags = VMA_ALLOCATION_CREATE_HOST_ACCESS_RANDOM_BIT | VMA_ALLOCATION_CREATE_MAPPED_BIT;
      aci.usage = VMA_MEMORY_USAGE_AUTO_PREFER_HOST;
      break;
  }
  VmaAllocationInfo info{};
  check(vmaCreateBuffer(allocator_, &bci, &aci, &buffer_, &allocation_, &info),
        ("vmaCreateBuffer(" + std::to_string(bytes) + " bytes)").c_str());
  mapped_ = info.pMappedData;
}

Buffer::~Buffer() { release(); }

void Buffer::release() {
  if (buffer_) vmaDestroyBuffer(allocator_, buffer_, allocation_);
  buffer_ = VK_NULL_HANDLE;
  allocation_ = nullptr;
  mapped_ = nullptr;
}

Buffer::Buffer(Buffer&& o) noexcept
    : allocator_(o.allocator_),
      buffer_(std::exchange(o.buffer_, VK_NULL_HANDLE)),
      allocation_(std::exchange(o.allocation_, nullptr)),
      bytes_(std::exchange(o.bytes_, 0)),
      kind_(o.kind_),
      mapped_(std::exchange(o.mapped_, nullptr)) {}

Buffer& Buffer::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    release();
    allocator_ = o.allocator_;
    buffer_ = std::exchange(o.buffer_, VK_NULL_HANDLE);
    allocation_ = std::exchange(o.allocation_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
    kind_ = o.kind_;
    mapped_ = std::exchange(o.mapped_, nullptr);
  }
  return *this;
}

void Buffer::flush() {
  if (buffer_) check(vmaFlushAllocation(allocator_, allocation_, 0, VK_WHOLE_SIZE), "vmaFlushAllocation");
}
void Buffer::invalidate() {
  if (buffer_)
    check(vmaInvalidateAllocation(allocator_, allocation_, 0, VK_WHOLE_SIZE), "vmaInvalidateAllocation");
}

}  // namespace effnet::vk
